"""`wissensgraph import` as a curator runs it: files in, a summary or a clear error out."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.writes.conftest import form, writable_copy
from wissensgraph.curation.spreadsheets import COLUMNS


def test_import_json_and_broken_csv(tmp_path: Path) -> None:
    settings = writable_copy(tmp_path)
    env = {"WISSENSGRAPH_DATA_DIR": str(settings.data_dir)}
    template = run_cli("import", "--vorlage", home=settings.home, env=env)
    assert template.returncode == 0 and template.stdout.strip().split(",") == list(COLUMNS)

    good = tmp_path / "neu.json"
    good.write_text(json.dumps([form("cli-eins"), form("cli-zwei")]), encoding="utf-8")
    done = run_cli("import", str(good), "--kurator", "Erika", home=settings.home, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 neu" in done.stdout
    assert (settings.data_dir / "fallstudien" / "cli-zwei.ttl").exists()

    again = run_cli("import", str(good), "--kurator", "Erika", home=settings.home, env=env)
    assert again.returncode == 2 and "gibt es schon" in again.stderr

    broken = tmp_path / "kaputt.csv"
    broken.write_text("titel,zusammenfassung,stadt,bundesland,startjahr,status\nA,B,C,D,x,\n")
    failed = run_cli("import", str(broken), "--kurator", "Erika", home=settings.home, env=env)
    assert failed.returncode == 2 and "Zeile 2" in failed.stderr
    assert "Traceback" not in failed.stderr

    nobody = run_cli("import", str(good), home=settings.home, env=env)
    assert nobody.returncode == 2 and "--kurator" in nobody.stderr
