"""The Temporal worker that runs the sync workflow and its activities."""
