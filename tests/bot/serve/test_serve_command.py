"""`newsbot serve` on the command line: where it listens, tokens from the environment, and
the refusal to open the API to the network without a token."""

from __future__ import annotations

from newsbot.bot.cli.serve import serving_settings


def test_beyond_this_machine_without_a_token_it_refuses_in_one_line(run, monkeypatch):
    monkeypatch.delenv("NEWSBOT_API_TOKEN", raising=False)
    result = run("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 1
    error = result.output.strip()
    assert error.startswith("Error:") and "NEWSBOT_API_TOKEN" in error and "\n" not in error


def test_the_environment_s_tokens_and_the_command_line_override_the_file(project, monkeypatch):
    monkeypatch.setenv("NEWSBOT_API_TOKEN", "from-env")
    monkeypatch.delenv("NEWSBOT_ADMIN_TOKEN", raising=False)
    settings = serving_settings(project.config().serve, host="::1", port=9000)
    assert (settings.host, settings.port, settings.api_token, settings.admin_token) == ("::1", 9000, "from-env", "")
    unchanged = serving_settings(project.config().serve, None, None)
    assert (unchanged.host, unchanged.port) == ("127.0.0.1", 8000)


def test_help_shows_examples(run):
    result = run("serve", "--help")
    assert result.exit_code == 0 and "curl -s localhost:8000/v1/ask" in result.output
