"""Generated from proto/eus/v1 by scripts/gen_proto.py; do not edit."""
