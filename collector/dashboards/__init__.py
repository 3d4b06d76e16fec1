"""Dashboards as data: the files of ``dashboards/`` and ``dashboards_dir``, loaded and checked."""
