"""Memory and throughput of the SIRENE import as the registry files grow.

    .venv/bin/python benchmarks/sirene_benchmark.py --rows 500000 1000000 2000000 4000000

For each size, writes a ``StockUniteLegale`` and a ``StockEtablissement`` file of that many
rows each in INSEE's national layout (every column, realistic codes; ``--zip`` ships them
zipped as INSEE does), then imports both in a fresh process into an embedded store holding
``--firms`` firms whose SIRENs are spread through the files. Prints the process's resident
memory before the import and at its peak (``VmHWM``), and the rows read per second: memory
must stay flat as the files grow, since only the store's firms are kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from meute.graph.model import luhn_valid
from meute.graph.sirene import ETABLISSEMENT_HEADER, HEADCOUNT_CODES, UNITE_LEGALE_HEADER

console = Console()
NAF = ["43.21A", "43.22A", "71.12B", "62.02A", "86.10Z", "28.22Z", "41.20A", "78.20Z"]
CATEGORIES = ["PME", "PME", "PME", "ETI", "GE", ""]
COMMUNES = ["35238", "13055", "69123", "75056", "31555", "97411", "2A004", "59350"]


def siren_of(index: int) -> str:
    """The ``index``-th Luhn-valid SIREN from 100000000."""
    base = 100_000_000 + index * 10
    return next(f"{base + d}" for d in range(10) if luhn_valid(f"{base + d}"))


def write_files(folder: Path, rows: int, zipped: bool, seed: int) -> list[Path]:
    rnd = random.Random(seed)
    bands = list(HEADCOUNT_CODES)
    units, establishments = (
        folder / "StockUniteLegale_utf8.csv",
        folder / "StockEtablissement_utf8.csv",
    )
    with (
        units.open("w", newline="", encoding="utf-8") as u,
        establishments.open("w", newline="", encoding="utf-8") as e,
    ):
        unit_writer, establishment_writer = csv.writer(u), csv.writer(e)
        unit_writer.writerow(UNITE_LEGALE_HEADER)
        establishment_writer.writerow(ETABLISSEMENT_HEADER)
        unit_row = dict.fromkeys(UNITE_LEGALE_HEADER, "")
        establishment_row = dict.fromkeys(ETABLISSEMENT_HEADER, "")
        for index in range(rows):
            siren, naf = siren_of(index), rnd.choice(NAF)
            unit_row.update(
                siren=siren,
                statutDiffusionUniteLegale="O",
                dateCreationUniteLegale=f"{rnd.randint(1950, 2024)}-0{rnd.randint(1, 9)}-15",
                trancheEffectifsUniteLegale=rnd.choice(bands),
                categorieEntreprise=rnd.choice(CATEGORIES),
                etatAdministratifUniteLegale=rnd.choice("AAAAC"),
                denominationUniteLegale=f"ENTREPRISE {index}",
                categorieJuridiqueUniteLegale="5710",
                activitePrincipaleUniteLegale=naf,
                nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
                nicSiegeUniteLegale="00012",
                caractereEmployeurUniteLegale="O",
            )
            unit_writer.writerow(unit_row.values())
            establishment_row.update(
                siren=siren,
                nic="00012",
                siret=f"{siren}00012",
                etablissementSiege="true",
                codePostalEtablissement="35000",
                libelleCommuneEtablissement="RENNES",
                codeCommuneEtablissement=rnd.choice(COMMUNES),
                etatAdministratifEtablissement="A",
                activitePrincipaleEtablissement=naf,
                nomenclatureActivitePrincipaleEtablissement="NAFRev2",
            )
            establishment_writer.writerow(establishment_row.values())
    if not zipped:
        return [units, establishments]
    archives = []
    for path in (units, establishments):
        archive = path.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            out.write(path, path.name)
        path.unlink()
        archives.append(archive)
    return archives


# Run in a fresh process so that each size's peak memory is its own.
CHILD = """
import json, sys, time
from pathlib import Path
from meute.api.service import import_sirene
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import Firm, FactSource, provenance_of_all
sys.path.insert(0, sys.argv[1])
from sirene_benchmark import siren_of

def memory(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024

rows, firms = int(sys.argv[2]), int(sys.argv[3])
paths = [Path(p) for p in sys.argv[4:]]
store = EmbeddedStore(None)
inferred = provenance_of_all(FactSource.DECP_INFERRED)
step = max(1, rows // firms)
store.upsert_firms([
    Firm(siren=siren_of(i), name=f"F{i}", region="Île-de-France", headcount="10-49",
         provenance=inferred)
    for i in range(0, rows, step)[:firms]
])
before = memory("VmRSS")
start = time.perf_counter()
report = import_sirene(store, paths)
seconds = time.perf_counter() - start
print(json.dumps({"before_mb": before, "peak_mb": memory("VmHWM"), "seconds": seconds,
                  "rows_read": report.rows_read, "matched": report.matched,
                  "updated": report.updated}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[500_000, 1_000_000, 2_000_000])
    parser.add_argument("--firms", type=int, default=10_000, help="Firms in the store.")
    parser.add_argument("--zip", action="store_true", help="Zip the files as INSEE does.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    table = Table(title=f"SIRENE import, {args.firms:,} firms in the store")
    for column in (
        "rows per file",
        "rows read",
        "RSS before (MB)",
        "peak RSS (MB)",
        "rows/s",
        "matched",
    ):
        table.add_column(column, justify="right")
    here = str(Path(__file__).resolve().parent)
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="meute-sirene-bench-") as folder:
            written = time.perf_counter()
            paths = write_files(Path(folder), rows, args.zip, args.seed)
            console.print(f"wrote 2 x {rows:,} rows in {time.perf_counter() - written:.0f} s")
            command = [
                sys.executable,
                "-c",
                CHILD,
                here,
                str(rows),
                str(args.firms),
                *map(str, paths),
            ]
            result = json.loads(
                subprocess.run(command, check=True, capture_output=True, text=True).stdout
            )
        table.add_row(
            f"{rows:,}",
            f"{result['rows_read']:,}",
            f"{result['before_mb']:.0f}",
            f"{result['peak_mb']:.0f}",
            f"{result['rows_read'] / result['seconds']:,.0f}",
            f"{result['matched']:,}",
        )
        console.print(table)


if __name__ == "__main__":
    main()
