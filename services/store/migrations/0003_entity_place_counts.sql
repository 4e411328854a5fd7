-- Exact per-entity and per-place article counts, so that GET /entities and GET /places rank without a GROUP BY.
-- Applied once by services.store.migrate inside a transaction; never edit a released migration, add a new file.

-- Distinct articles whose current revision mentions the entity. Kept exact by the store in the transaction
-- that changes the mentions (services/store/repository.py `_refresh_entities`), like the counts of `events`.
ALTER TABLE entities ADD COLUMN articles integer NOT NULL DEFAULT 0;

UPDATE entities AS e SET articles = c.articles
FROM (
    SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles
    FROM article_entities AS ae JOIN articles AS a ON a.id = ae.article_id AND a.revision = ae.revision
    GROUP BY ae.entity_id
) AS c
WHERE e.id = c.entity_id;

-- The keyset order of GET /entities is (articles DESC, name, id); it is indexed as (-articles, name, id) so that a
-- page's "after this key" is one row comparison the index can start from. Entities no current revision mentions
-- are never listed, hence partial.
CREATE INDEX entities_top_idx ON entities ((-articles), name, id) WHERE articles > 0;
CREATE INDEX entities_label_top_idx ON entities (label, (-articles), name, id) WHERE articles > 0;
CREATE INDEX entities_country_top_idx ON entities (country, (-articles), name, id) WHERE articles > 0;

-- Distinct articles, and mentions, of current revisions per place (`_refresh_places`).
ALTER TABLE places
    ADD COLUMN articles integer NOT NULL DEFAULT 0,
    ADD COLUMN mentions integer NOT NULL DEFAULT 0;

UPDATE places AS p SET articles = c.articles, mentions = c.mentions
FROM (
    SELECT ap.place_id, count(DISTINCT ap.article_id) AS articles, count(*) AS mentions
    FROM article_places AS ap JOIN articles AS a ON a.id = ap.article_id AND a.revision = ap.revision
    GROUP BY ap.place_id
) AS c
WHERE p.id = c.place_id;

CREATE INDEX places_top_idx ON places ((-articles), name, id) WHERE articles > 0;
CREATE INDEX places_country_top_idx ON places (country, (-articles), name, id) WHERE articles > 0;
CREATE INDEX places_kind_top_idx ON places (kind, (-articles), name, id) WHERE articles > 0;

-- With dates, the counts are aggregated over the articles in the range: those are found by their date, and the
-- mentions of each by the primary keys (article_id first) of article_entities and article_places.
CREATE INDEX IF NOT EXISTS articles_dated_at_id_idx ON articles (dated_at, id, revision);
