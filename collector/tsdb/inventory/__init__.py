"""Inventory as stored: snapshots and change history written in the batch's transaction, and their reads."""
