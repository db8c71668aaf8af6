"""A distinctive value planted in every personal column of a CSV landing directory.

The session's landing data (conftest's ``published_run``) carries it, so that
test_private_data can look for it in everything the job wrote: every value
of the landing contract's personal columns becomes it (nulls stay null, so
that what the warehouse derives from a value being there does not change),
and one contact record that cannot be split (one field too many) holds it
in every field: the quarantine keeps such a record's whole text.
"""

from __future__ import annotations

import csv
from pathlib import Path

# landing contract: the personal columns, per table
PERSONAL_COLUMNS = {
    "crm_contacts": ("email", "full_name", "phone"),
    "billing_customers": ("email",),
    "crm_nps_responses": ("comment",),
    "crm_cancellations": ("reason_detail",),
}
MARKER = "zz-private"
# the table whose last record cannot be split, and the quarantine's rule for it
UNSPLIT_TABLE = "crm_contacts"


def planted(table: str, column: str) -> str:
    return f"{MARKER}-{table}-{column}-7f3a@example.com"


def _rewrite(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)


def plant_personal_values(landing: Path) -> None:
    """Overwrite every personal value of a CSV landing directory; add one
    contact record that cannot be split.

    Only the personal fields change: every other field is written back as
    it was read (the csv module keeps spaces and quotes only what needs it).
    """
    for table, columns in PERSONAL_COLUMNS.items():
        path = landing / f"{table}.csv"
        with path.open(newline="") as file:
            header, *rows = list(csv.reader(file))
        where = [header.index(column) for column in columns]
        for row in rows:
            for index in where:
                if row[index]:  # an empty field is a null
                    row[index] = planted(table, header[index])
        _rewrite(path, [header, *rows])
    contacts = landing / f"{UNSPLIT_TABLE}.csv"
    header = contacts.read_text().splitlines()[0].split(",")
    fields = [planted(UNSPLIT_TABLE, "malformed")] * (len(header) + 1)
    with contacts.open("a") as out:
        out.write(",".join(fields) + "\n")


def break_a_quarter_of_the_contacts(landing: Path) -> None:
    """Give every fourth contact 20 fields too many (each the marker).

    dbt quarantines them (records that cannot be split) and passes; their
    share fails the expectation on quarantined rows, whose reasons the job
    logs and prints.
    """
    contacts = landing / f"{UNSPLIT_TABLE}.csv"
    lines = contacts.read_text().splitlines()
    extra = ",".join([planted(UNSPLIT_TABLE, "malformed")] * 20)
    contacts.write_text(
        "\n".join(
            [lines[0]]
            + [
                line + ("," + extra if n % 4 == 0 else "")
                for n, line in enumerate(lines[1:])
            ]
        )
        + "\n"
    )
