"""Service settings, read from `UNZR_SYNC_*` environment variables."""

from settings.config import ENV_PREFIX, Settings, SettingsError, load_settings

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "load_settings"]
