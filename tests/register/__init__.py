"""Tests of the register client, the stand-in register and `unzr-sync lookup`."""
