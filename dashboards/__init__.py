"""The shipped dashboard files (``*.toml``): data, not code. A package only so that an
installed wheel carries them; ``collector/dashboards/loader.py`` reads and checks them."""
