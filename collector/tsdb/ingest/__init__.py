"""The write path: series ids, the single writer and what it stores beside samples."""
