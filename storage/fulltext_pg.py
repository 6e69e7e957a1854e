"""Related-story search on PostgreSQL: the statements ``ArticleRepo`` runs there instead of FTS5's.

The index (``storage.schema_pg``) holds the same precomputed stems as the SQLite one, in a
``tsvector`` of the 'simple' configuration (no stemming or stop words of PostgreSQL's own:
the stems are ours), title weight A and body B. A stem is matched as FTS5 matches a quoted
string: ``phraseto_tsquery`` reads it as one word (or, should the parser split it, as a phrase),
never as query syntax, and every stem is a bound parameter.

Relevance stands in for FTS5's BM25 with the same two ingredients: a stem's weight in a
story (``ts_rank`` with the title three times the body, damped by the story's length) times
its rarity (BM25's IDF from the stem's match count, which the search counts first anyway;
the number of stories is taken as the largest story id, read from the index in O(log n),
where counting them would read every row: stories are rarely deleted, so the two are close).
The plan (which words are rare, which candidates come from where) is ``ArticleRepo.search``'s;
only the SQL differs.
"""

from __future__ import annotations

from collections.abc import Sequence

RARE_DOCS = 500  # match counts stop here, as on SQLite
_WEIGHTS = "CAST('{0.1, 0.2, 0.3333, 1.0}' AS float4[])"  # D, C, B (body), A (title)
_PHRASE = "phraseto_tsquery('simple', ?)"
# A story's tsvector read (from TOAST, decompressed) once for all the ts_rank calls on it, not
# once per stem: d.v is a plain copy (OFFSET 0 keeps the sub-select from being flattened).
_ONCE = "CROSS JOIN LATERAL (SELECT f.tsv || ''::tsvector AS v OFFSET 0) AS d"
# The same query behind a sub-select: the planner then cannot see which stem it is, so it no
# longer prefers reading the table in order and matching row by row until LIMIT 500 rows
# match (it takes a common stem for cheap to find that way; each row's tsvector is costly to
# read), and takes the GIN index: the match counts of a "Read also" search on 20,000 stories
# went from ~1 s to ~85 ms.
_PROBE = "(SELECT phraseto_tsquery('simple', ?))"


_IDF = "GREATEST(0.000001, ln((total.n - ? + 0.5) / (? + 0.5)))"
SHORTLIST = 5  # rare words' matches scored in full: this many times the candidates wanted


def match_counts_statement(count: int) -> str:
    """One round trip giving, per stem (one ``?`` each), its matching stories up to RARE_DOCS.

    ``stem_df`` holds every lexeme's exact count (kept by a trigger on ``articles_fts``,
    ``storage.schema_pg``): one B-tree row a stem, where counting a common stem's matches read
    its whole posting list from the GIN index (a bitmap has no LIMIT), about a millisecond per
    thousand matches. A stem the 'simple' parser would not read as itself alone (none of ours:
    they are lower-case letters and digits) is counted from the index as before."""
    terms = ", ".join(f"({index:d}, CAST(? AS text))" for index in range(count))
    return (
        f"WITH terms (i, t) AS (VALUES {terms}) "
        "SELECT terms.i, CASE WHEN tsvector_to_array(to_tsvector('simple', terms.t)) = ARRAY[terms.t] "
        f"THEN LEAST(COALESCE((SELECT s.df FROM stem_df s WHERE s.term = terms.t), 0), {RARE_DOCS:d}) "
        f"ELSE (SELECT count(*) FROM (SELECT FROM articles_fts WHERE tsv @@ phraseto_tsquery('simple', terms.t) "
        f"LIMIT {RARE_DOCS:d}) AS m) END FROM terms"
    )


def co_match_counts_statement(pairs: Sequence[tuple[Sequence[str], str]]) -> tuple[str, list[object]]:
    """One round trip giving, per (stems, key), the stories holding one of the stems and the
    key, up to RARE_DOCS (the query behind a sub-select, as ``_PROBE``, so the GIN index is
    read)."""
    parts: list[str] = []
    args: list[object] = []
    for index, (stems, key) in enumerate(pairs):
        any_stem = " || ".join([_PHRASE] * len(stems))
        parts.append(
            f"SELECT {index:d}, (SELECT count(*) FROM (SELECT FROM articles_fts WHERE tsv @@ "
            f"(SELECT ({any_stem}) && {_PHRASE}) LIMIT {RARE_DOCS:d}) AS m)"
        )
        args += [*stems, key]
    return " UNION ALL ".join(parts), args


def _relevance(terms: Sequence[str], counts: dict[str, int]) -> tuple[str, list[object]]:
    """Σ over ``terms`` of ts_rank × IDF, with its parameters."""
    parts, params = [], []
    for term in terms:
        parts.append(
            f"ts_rank({_WEIGHTS}, d.v, {_PHRASE}, 1) "
            "* GREATEST(0.000001, ln((total.n - ? + 0.5) / (? + 0.5)))"
        )
        params += [term, counts.get(term, RARE_DOCS), counts.get(term, RARE_DOCS)]
    return " + ".join(parts), params


def _any(terms: Sequence[str]) -> str:
    return "(" + " || ".join(_PHRASE for _ in terms) + ")"


def search_statement(
    groups: Sequence[Sequence[str]], rare: Sequence[Sequence[str]], counts: dict[str, int], *, columns: str,
    source: str, now: str, half_life_days: float, candidates: int, exclude: Sequence[int], limit: int,
) -> tuple[str, tuple[object, ...]]:
    """The ranked search, as ``ArticleRepo.search`` plans it: the rare words' best
    ``candidates`` by relevance from any date; if some words are common, the newest stories
    matching every word (or, with no rare word at all, any word); then relevance × sources ×
    recency over the union, and the winners read whole."""
    selects: list[str] = []
    params: list[object] = []

    def best(terms: Sequence[str]) -> None:
        """The best-scored matches of rare words: first the ``SHORTLIST × candidates`` stories
        whose matched words are rarest (from the index alone), then those scored in full."""
        relevance, relevance_params = _relevance(terms, counts)
        rarity = " UNION ALL ".join(
            f"SELECT rowid, {_IDF} AS idf FROM articles_fts, total WHERE tsv @@ {_PROBE}" for _ in terms
        )
        selects.append(
            f"(SELECT f.rowid AS id, {relevance} AS relevance FROM (SELECT m.rowid FROM ({rarity}) AS m "
            f"GROUP BY m.rowid ORDER BY sum(m.idf) DESC, m.rowid DESC LIMIT ?) AS c "
            f"JOIN articles_fts f ON f.rowid = c.rowid {_ONCE}, total ORDER BY relevance DESC, f.rowid DESC LIMIT ?)"
        )
        rarity_params: list[object] = []
        for term in terms:
            rarity_params += [counts.get(term, RARE_DOCS), counts.get(term, RARE_DOCS), term]
        params.extend([*relevance_params, *rarity_params, SHORTLIST * candidates, candidates])

    def newest(terms: Sequence[str], match: str) -> None:
        """The newest matches of common words: only the chosen few are scored."""
        relevance, relevance_params = _relevance(terms, counts)
        selects.append(
            f"(SELECT f.rowid AS id, {relevance} AS relevance FROM (SELECT rowid FROM articles_fts "
            f"WHERE tsv @@ {match} ORDER BY rowid DESC LIMIT ?) AS c JOIN articles_fts f ON f.rowid = c.rowid {_ONCE}, "
            "total)"
        )
        params.extend([*relevance_params, *terms, candidates])

    if rare:
        best([t for g in rare for t in g])
    if len(rare) < len(groups):
        every = [t for g in groups for t in g]
        if len(groups) > 1:
            newest(every, "(" + " && ".join(_any(g) for g in groups) + ")")
        if not rare:
            newest(every, _any(every))
    marks = ",".join("?" for _ in exclude) or "-1"  # ids are positive
    sql = f"""
        WITH total AS (SELECT GREATEST(max(rowid), 1)::float8 AS n FROM articles_fts),
        hits AS ({" UNION ALL ".join(selects)}),
        best AS (SELECT id, max(relevance) AS relevance FROM hits GROUP BY id),
        ranked AS (
            SELECT b.id, b.relevance * (1.0 + 0.1 * LEAST(a.source_count - 1, 5))
                   / (1.0 + GREATEST(0.0, EXTRACT(EPOCH FROM CAST(CAST(? AS TEXT) AS timestamp)
                   - CAST(COALESCE(a.published_at, a.fetched_at) AS timestamp))::float8 / 86400.0)
                   / CAST(? AS float8)) AS score
            FROM best b JOIN articles a ON a.id = b.id
            WHERE b.id NOT IN ({marks})
            ORDER BY score DESC LIMIT ?
        )
        SELECT {columns} {source} JOIN ranked r ON r.id = a.id ORDER BY r.score DESC
    """
    return sql, (*params, now, half_life_days, *exclude, limit)
