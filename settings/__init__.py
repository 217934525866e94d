"""Service settings, read from `UNZR_SYNC_*` environment variables."""

from settings.config import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
