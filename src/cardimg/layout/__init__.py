"""Layout: pure functions from blocks and measurements to positioned lines (no drawing here)."""
