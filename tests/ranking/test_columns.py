"""Plain-file columns: variable-length texts and key lookups, streamed in and memory-mapped back."""

from __future__ import annotations

from matchmaker.ranking.columns import KeyLookup, TextColumn, TextColumnWriter, key_hashes


def test_text_column_and_key_lookup_round_trip(tmp_path):
    values = ["évaluation", None, "", "Ωmega", "x" * 5000, "évaluation"]
    writer = TextColumnWriter(tmp_path, "t")
    writer.write(values[:2])
    writer.write(values[2:])
    writer.close()
    column = TextColumn.load(tmp_path, "t")
    assert list(column) == values and column.take([3, 1]) == ["Ωmega", None]
    lookup = KeyLookup(key_hashes(values), column)
    assert lookup.rows("évaluation") == [0, 5] and lookup.rows("absent") == []
    assert lookup.first(["Ωmega", "", "absent"]).tolist() == [3, 2, -1]
