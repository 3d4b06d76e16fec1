"""Function results as stored: each device's latest state per function and its history."""
