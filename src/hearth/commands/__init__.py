"""What each CLI command computes, as plain functions returning data (the CLI only prints)."""
