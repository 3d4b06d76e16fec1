"""The collector registry: registration rules, settings, and fencing of construction failures."""

from __future__ import annotations

import logging

import pytest

from agent.collectors import CollectorSettings, Registry, build_collectors, default_registry
from agent.collectors.base import Collector, Sample, SeriesKey


class Fixed:
    """A collector returning one constant sample."""

    def __init__(self, name: str, value: float = 1.0) -> None:
        self.name = name
        self.default_interval_s = 10.0
        self.value = value

    def collect(self) -> list[Sample]:
        return [Sample(SeriesKey(f"test.{self.name}"), self.value)]


def _registry() -> Registry:
    registry = Registry()
    registry.register("alpha", default_interval_s=5.0)(lambda: Fixed("alpha"))
    registry.register("beta", default_interval_s=30.0)(lambda: Fixed("beta"))
    registry.register("gamma", default_interval_s=10.0, default_enabled=False)(lambda: Fixed("gamma"))
    return registry


def _names(built: list[tuple[Collector, float]]) -> dict[str, float]:
    return {c.name: interval for c, interval in built}


def test_standard_set_names_intervals_and_defaults() -> None:
    build_collectors({"cpu": CollectorSettings(enabled=False)})  # imports agent.collectors.all
    table = {r.name: (r.default_interval_s, r.default_enabled) for r in default_registry.entries().values()}
    assert table == {
        "cpu": (10.0, True),
        "load": (10.0, True),
        "memory": (10.0, True),
        "swap": (10.0, True),
        "disk": (60.0, True),
        "diskio": (10.0, True),
        "netio": (10.0, True),
        "host": (10.0, True),
        "processes": (30.0, True),
    }


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {"alpha": 5.0, "beta": 30.0}),
        ({"alpha": CollectorSettings(enabled=False)}, {"beta": 30.0}),
        ({"alpha": CollectorSettings(interval_s=0.5)}, {"alpha": 0.5, "beta": 30.0}),
        ({"beta": CollectorSettings(interval_s=0)}, {"alpha": 5.0}),
        ({"gamma": CollectorSettings(enabled=True)}, {"alpha": 5.0, "beta": 30.0, "gamma": 10.0}),
        ({"gamma": CollectorSettings(interval_s=2.0)}, {"alpha": 5.0, "beta": 30.0}),
        (
            {
                "gamma": CollectorSettings(enabled=True, interval_s=2.0),
                "alpha": CollectorSettings(enabled=True),
            },
            {"alpha": 5.0, "beta": 30.0, "gamma": 2.0},
        ),
    ],
)
def test_settings_override_defaults(
    settings: dict[str, CollectorSettings], expected: dict[str, float]
) -> None:
    assert _names(build_collectors(settings, registry=_registry())) == expected


def test_unknown_setting_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agent.collectors"):
        built = build_collectors({"alpah": CollectorSettings(enabled=False)}, registry=_registry())
    assert _names(built) == {"alpha": 5.0, "beta": 30.0}
    assert "unknown collector 'alpah'" in caplog.text


def test_collector_failing_to_construct_is_disabled_while_others_build(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = _registry()

    @registry.register("broken")
    def make_broken() -> Collector:
        raise PermissionError(13, "Permission denied", "/proc/pressure/cpu")

    with caplog.at_level(logging.ERROR, logger="agent.collectors"):
        built = build_collectors({}, registry=registry)
    assert _names(built) == {"alpha": 5.0, "beta": 30.0}
    (record,) = caplog.records
    assert record.getMessage() == "collector broken failed to start; disabled"
    assert record.exc_info is not None
    assert record.exc_info[0] is PermissionError


def test_register_rejects_duplicates_and_bad_intervals() -> None:
    registry = _registry()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("alpha")(lambda: Fixed("alpha"))
    with pytest.raises(ValueError, match="must be positive"):
        registry.register("delta", default_interval_s=0)


def test_register_checks_a_class_declares_the_registered_name_and_interval() -> None:
    registry = Registry()

    class Declared:
        name = "declared"
        default_interval_s = 15.0

        def collect(self) -> list[Sample]:
            return []

    assert registry.register("declared", default_interval_s=15.0)(Declared) is Declared
    with pytest.raises(ValueError, match="declares name/interval"):
        registry.register("other", default_interval_s=15.0)(Declared)
    with pytest.raises(ValueError, match="declares name/interval"):
        Registry().register("declared", default_interval_s=10.0)(Declared)


def test_a_class_without_name_and_interval_takes_them_from_its_registration() -> None:
    registry = Registry()

    class Undeclared:
        name: str  # annotated for the type checker only, as agent.collectors.psutil_facade.ReadsHost
        default_interval_s: float

        def collect(self) -> list[Sample]:
            return []

    registry.register("undeclared", default_interval_s=20.0)(Undeclared)
    made = registry.entries()["undeclared"].factory()
    assert (made.name, made.default_interval_s) == ("undeclared", 20.0)


def test_every_standard_collector_answers_to_its_registered_name_and_interval() -> None:
    build_collectors({})  # imports agent.collectors.all
    for reg in default_registry.entries().values():
        factory = reg.factory
        assert isinstance(factory, type)
        assert (getattr(factory, "name", None), getattr(factory, "default_interval_s", None)) == (
            reg.name,
            reg.default_interval_s,
        )
