"""Statements written for the trends and commitments tests, with known counts: three ASEAN-ROK Summits
(2019, 2020, 2021) and an ASEAN-ROK Dialogue (2020). "The fund" is the ASEAN-Korea Cooperation Fund (once
as its abbreviation AKCF), "the policy" the New Southern Policy.

| year | series   | paragraphs | with the fund | with the policy |
| 2019 | Summit   | 4          | 1             | 0               |
| 2020 | Summit   | 5          | 2             | 2               |
| 2020 | Dialogue | 5          | 0             | 1               |
| 2021 | Summit   | 8          | 1             | 0               |
"""

import json

import pytest

from .conftest import EDITIONS, add_statement

SUMMIT_2019 = """Chairman's Statement of the 20th ASEAN-ROK Summit

1. The 20th ASEAN-ROK Summit was held in Bangkok, Thailand on 3 November 2019.

2. We welcomed the contributions of the ASEAN-Korea Cooperation Fund to regional projects.

3. We discussed maritime cooperation and connectivity.

4. We looked forward to meeting again next year.
"""

SUMMIT_2020 = """Chairman's Statement of the 21st ASEAN-ROK Summit

1. The 21st ASEAN-ROK Summit was held in Ha Noi, Viet Nam on 12 November 2020.

2. We noted the many projects funded through the AKCF.

3. ASEAN Leaders welcomed the New Southern Policy of the ROK.

4. We thanked the ROK for the ASEAN-Korea Cooperation Fund and for its New Southern Policy.

5. We discussed public health and the recovery from the pandemic.
"""

DIALOGUE_2020 = """SEOUL, 5 June 2020 – Today, Senior Officials of ASEAN and the Republic of Korea (ROK) held the 25th ASEAN-ROK Dialogue via videoconference.
The Dialogue reviewed the implementation of the New Southern Policy.
The Dialogue exchanged views on regional and international issues.
Both sides agreed to strengthen their partnership in the coming years.
The Dialogue was co-chaired by senior officials of both sides.
"""

SUMMIT_2021 = """Chairman's Statement of the 22nd ASEAN-ROK Summit

1. The 22nd ASEAN-ROK Summit was held in Bandar Seri Begawan, Brunei Darussalam on 26 October 2021.

2. We welcomed the continued support of the ASEAN-Korea Cooperation Fund.

3. We discussed trade and investment.

4. We discussed education and the exchange of young people.

5. We discussed climate change and the environment.

6. We discussed the digital economy.

7. We discussed regional and international issues.

8. We agreed to meet again next year.
"""

STATEMENTS = {"summit-2019": SUMMIT_2019, "summit-2020": SUMMIT_2020, "dialogue-2020": DIALOGUE_2020,
              "summit-2021": SUMMIT_2021}
PARAGRAPHS = {"2019": 4, "2020": 10, "2021": 8}
SUMMIT = "ASEAN-ROK Summit"
DIALOGUE = "ASEAN-ROK Dialogue"


def import_trend_statements():
    return {key: add_statement(text, f"{key}.txt") for key, text in STATEMENTS.items()}


@pytest.fixture
def trend_statements(search_index, snapshots):
    """The four statements above, imported and indexed through the normal save path."""
    return snapshots.restore("trend statements", import_trend_statements)


# The first and last use of tracked phrases in the shared editions set (tests/data/editions/phrases.json;
# "paragraph": the printed number, or a press release's position).
EDITION_PHRASES = json.loads((EDITIONS / "phrases.json").read_text(encoding="utf-8"))


def edition_paragraph(editions, use):
    """The stored paragraph phrases.json names as {"file", "paragraph"}."""
    document = editions[use["file"]]
    return document.paragraphs.filter(number=str(use["paragraph"])).first() or \
        document.paragraphs.get(number="", position=use["paragraph"])
