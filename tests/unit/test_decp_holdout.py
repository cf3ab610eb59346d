"""``read_decp(keep=...)``: held-out contracts back no firm and no collaboration."""

from __future__ import annotations

from pathlib import Path

from meute.graph.decp import read_decp
from tests.unit.test_decp import A, B, C, record, titulaire, write


def test_held_out_contracts_give_no_evidence_but_are_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            record("2019M001", titulaires=[titulaire(A, "ALPHA"), titulaire(B, "BETA")]),
            record(
                "2019M002",
                codeCPV="71240000-2",
                objet="Études de maîtrise d'œuvre",
                titulaires=[titulaire(A, "ALPHA")],
            ),
            record("2019M003", titulaires=[titulaire(C, "GAMMA"), titulaire(B, "BETA")]),
        ],
    )
    everything = read_decp([path])
    assert {f.siren for f in everything.firms} == {A, B, C}
    assert len(everything.collaborations) == 2

    kept = read_decp([path], keep=lambda contract: contract.id != "2019M001")
    assert len(kept.contracts) == 3  # every contract read is still listed
    assert {f.siren for f in kept.firms} == {A, B, C}
    alpha = next(f for f in kept.firms if f.siren == A)
    assert [c.cpv for c in alpha.capabilities] == ["71240000"]  # the held-out code is gone
    assert "groupe scolaire" not in alpha.description.lower()
    assert [(c.firm_a, c.firm_b) for c in kept.collaborations] == [tuple(sorted((B, C)))]

    only_third = read_decp([path], keep=lambda contract: contract.id == "2019M003")
    assert {f.siren for f in only_third.firms} == {B, C}  # a firm with nothing kept is left out
