from typer.testing import CliRunner

from orchestrator import __version__
from orchestrator.cli.app import app


def test_version_prints_the_package_version() -> None:
    # GIVEN the CLI WHEN asked for its version THEN it prints it and exits 0
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
