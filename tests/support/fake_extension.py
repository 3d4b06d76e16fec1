"""A minimal agent extension for tests of the extension mechanism."""

from __future__ import annotations

from agent.extensions import ExtensionContext, ExtensionError
from eus.v1 import eus_pb2


class FakeExtension:
    name = "fake_extension"

    def __init__(self, ctx: ExtensionContext) -> None:
        self.ctx = ctx
        self.started = False
        self.configs: list[eus_pb2.AgentConfig] = []

    def start(self) -> None:
        self.started = True
        self.ctx.reports.put_report(
            functions=[
                eus_pb2.FunctionResult(id="fake:1", kind="fake", status=eus_pb2.HEALTH_OK, message="fine")
            ]
        )

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        self.configs.append(config)

    def handle_command(self, command: eus_pb2.Command) -> eus_pb2.CommandResult | None:
        if command.kind != "fake.ping":
            return None
        return eus_pb2.CommandResult(id=command.id, ok=True, message="pong")

    def stop(self) -> None:
        self.started = False


def create(ctx: ExtensionContext) -> FakeExtension | None:
    if ctx.settings.get("invalid"):
        raise ExtensionError("fake_extension: invalid is set")
    if ctx.settings.get("enabled", "true") in {False, "false"}:
        return None
    return FakeExtension(ctx)
