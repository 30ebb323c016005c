"""The command line as a user meets it: readable reports, exit codes, no tracebacks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import run_cli
from wissensgraph.config import PROJECT_ROOT, Settings

INVALID = PROJECT_ROOT / "tests" / "shapes" / "invalid"


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_cli("--help", home=tmp_path)
    assert result.returncode == 0
    for command in ("validate", "build", "query", "stats"):
        assert command in result.stdout


def test_validate_real_data_is_clean(tmp_path: Path) -> None:
    result = run_cli("validate", "data", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Keine Verstöße" in result.stdout


def test_validate_reports_violation_in_german_and_english(tmp_path: Path) -> None:
    bad = str(INVALID / "end_before_start.ttl")
    german = run_cli("validate", bad, home=tmp_path)
    assert german.returncode == 1
    assert "end_before_start.ttl" in german.stderr
    assert "fs:beispiel" in german.stderr and "wg:endYear" in german.stderr
    assert "Das Endjahr (2011) liegt vor dem Startjahr (2015)." in german.stderr
    english = run_cli("validate", bad, "--lang", "en", home=tmp_path)
    assert english.returncode == 1
    assert "The end year (2011) is before the start year (2015)." in english.stderr


def test_broken_syntax_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.ttl"
    broken.write_text("das ist kein turtle <", encoding="utf-8")
    result = run_cli("validate", str(broken), home=tmp_path)
    assert result.returncode == 2
    assert "kaputt.ttl" in result.stderr and "Traceback" not in result.stderr


def test_build_refuses_invalid_data_and_keeps_the_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(PROJECT_ROOT / "tests" / "shapes" / "valid" / "case_study.ttl", data)
    env = {"WISSENSGRAPH_DATA_DIR": str(data)}
    home = tmp_path / "home"
    first = run_cli("build", home=home, env=env)
    assert first.returncode == 0, first.stderr
    assert "Fallstudien je Handlungsfeld" in first.stdout
    target = (home / "store").resolve()
    bad = (INVALID / "unknown_action_field.ttl").read_text(encoding="utf-8")
    (data / "zweite.ttl").write_text(
        bad.replace("fs:beispiel", "fs:zweites-beispiel"), encoding="utf-8"
    )
    second = run_cli("build", home=home, env=env)
    assert second.returncode == 1
    assert "zweite.ttl" in second.stderr and "Handlungsfeld" in second.stderr
    assert (home / "store").resolve() == target


def test_query_prints_table_csv_and_json(built_settings: Settings) -> None:
    query = str(PROJECT_ROOT / "data" / "queries" / "cq07-jahresschwerpunkt-2021.rq")
    table = run_cli("query", query, home=built_settings.home)
    assert table.returncode == 0, table.stderr
    assert "fs:stadthof-hanau" in table.stdout
    csv_out = run_cli("query", query, "--format", "csv", home=built_settings.home)
    assert csv_out.stdout.splitlines()[0] == "priorityLabel,caseStudy,title,city"
    ask = run_cli("query", "ASK { ?c a wg:CaseStudy }", home=built_settings.home)
    assert ask.stdout.strip() == "true"


def test_query_syntax_error_is_reported(built_settings: Settings) -> None:
    result = run_cli("query", "SELECT WHERE {", home=built_settings.home)
    assert result.returncode == 2
    assert "Fehler" in result.stderr and "Traceback" not in result.stderr


def test_store_is_readable_by_oxigraph_itself(built_settings: Settings) -> None:
    """Researchers can query the built store with Oxigraph's own command, outside our code."""
    oxigraph = Path(__import__("sys").executable).with_name("oxigraph")
    query = PROJECT_ROOT / "data" / "queries" / "cq09-bundesland-jahrzehnt.rq"
    result = subprocess.run(
        [
            str(oxigraph),
            "query",
            "--location",
            str(built_settings.store_dir),
            "--query-file",
            str(query),
            "--results-format",
            "csv",
            "--union-default-graph",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "regionLabel,decade,caseStudies"
    assert any(line.startswith("Thüringen,") for line in result.stdout.splitlines())


def test_export_writes_every_quad(built_settings: Settings, tmp_path: Path) -> None:
    import rdflib

    from wissensgraph.store.graph import KnowledgeGraph

    target = tmp_path / "graph.nq"
    result = run_cli("export", "-o", str(target), home=built_settings.home)
    assert result.returncode == 0, result.stderr
    dataset = rdflib.Dataset()
    dataset.parse(target, format="nquads")
    assert len(dataset) == len(KnowledgeGraph.open(built_settings))
    assert not list(tmp_path.glob(".*.part"))


def test_serve_without_a_store_says_how_to_build(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "1", home=tmp_path / "leer")
    assert result.returncode == 3
    assert "wissensgraph build" in result.stderr and "Traceback" not in result.stderr


def test_search_prints_a_ranked_table(built_settings: Settings) -> None:
    result = run_cli("search", "Wächterhaus Leipzig", "-k", "3", home=built_settings.home)
    assert result.returncode == 0, result.stderr
    assert (
        " 1. " in result.stdout
        and "/id/fallstudie/waechterhaeuser-haushalten-leipzig" in result.stdout
    )


def test_search_with_unknown_filter_is_one_line(built_settings: Settings) -> None:
    result = run_cli("search", "x", "--bundesland", "atlantis", home=built_settings.home)
    assert result.returncode == 2
    assert "atlantis" in result.stderr and "Traceback" not in result.stderr


def test_stats_reports_the_collection(built_settings: Settings) -> None:
    result = run_cli("stats", home=built_settings.home)
    assert result.returncode == 0, result.stderr
    for heading in (
        "Je Handlungsfeld",
        "Je Bundesland / Region",
        "Je NLC-Begriff",
        "Je Startjahrzehnt",
        "Akteure je Gruppe",
        "Was fehlt",
    ):
        assert heading in result.stdout
    assert "keine Koordinaten" in result.stdout
    english = run_cli("stats", "--lang", "en", home=built_settings.home)
    assert "Per action field" in english.stdout and "no coordinates" in english.stdout
