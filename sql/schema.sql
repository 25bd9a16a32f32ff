-- The warehouse's tables, declared once. Every write is a delete + insert of one survey year
-- (or of the whole reference table) inside a transaction, so a re-run changes nothing.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;

-- Areas: country, region, province, district, subdistrict. Villages come from the data.
CREATE TABLE IF NOT EXISTS core.dim_area (
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    region_code VARCHAR,
    bmn_surveyed BOOLEAN NOT NULL DEFAULT true, -- false: the BMN does not survey it (Bangkok)
    PRIMARY KEY (level, area_code)
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE core.dim_area ADD COLUMN IF NOT EXISTS bmn_surveyed BOOLEAN DEFAULT true;

-- Abolished DOPA codes and what replaced them (geothai.abolished).
CREATE TABLE IF NOT EXISTS core.area_successor (
    area_code VARCHAR PRIMARY KEY,
    level VARCHAR NOT NULL,
    name_th VARCHAR,
    name_en VARCHAR,
    abolished_on DATE,
    successor_code VARCHAR,          -- the single successor; NULL when none or several
    successors VARCHAR,              -- all successors, space-separated
    successors_basis VARCHAR
);

-- Every landing file seen, known by its content hash.
CREATE TABLE IF NOT EXISTS raw.landing_file (
    year_be INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    seen_at TIMESTAMP NOT NULL
);

-- Per file: rows read = rows staged + rows quarantined.
CREATE TABLE IF NOT EXISTS core.ingest_ledger (
    year_be INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_staged BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    file_error VARCHAR,
    seconds DOUBLE,
    loaded_at TIMESTAMP NOT NULL
);
-- How each file was read (ingest/readers.py): encoding, separator, XLSX sheet, the row of the
-- header (2 header rows: names and labels), and the header names mapped to fields (JSON).
-- Added to warehouses made before; a file that was not read has them NULL.
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS encoding VARCHAR;
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS separator VARCHAR;
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS sheet VARCHAR;
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS header_row INTEGER;
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS header_rows INTEGER;
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS header_map VARCHAR;
-- Header names that name no field: those columns were not loaded (comma-separated).
ALTER TABLE core.ingest_ledger ADD COLUMN IF NOT EXISTS ignored_columns VARCHAR;

-- Provinces of a survey year whose files were held whole (ingest/staging.py
-- missing_provinces): the year is published without them, their roll-ups flagged incomplete,
-- unless CHIPAO_MISSING_PROVINCE=hold (docs/operators-deliveries.md). Packs say why.
CREATE TABLE IF NOT EXISTS core.missing_province (
    year_be INTEGER NOT NULL,
    province_code VARCHAR NOT NULL,
    file VARCHAR NOT NULL,           -- the file held whole, as under landing/
    reason VARCHAR NOT NULL          -- its file error, or the rule that held most of its rows
);

-- One row per (row, column, rule) that failed. PII values are masked.
CREATE TABLE IF NOT EXISTS core.quarantine (
    year_be INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    row_index BIGINT,                -- the row as Excel or an editor shows it (header row counted)
    column_name VARCHAR,
    rule VARCHAR NOT NULL,
    value VARCHAR,
    message_en VARCHAR NOT NULL,
    message_th VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.household (
    year_be INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    row_index BIGINT NOT NULL,
    household_key BIGINT NOT NULL,   -- keyed hash of the house code (assets/pseudonymise.py)
    village_code VARCHAR NOT NULL,
    village_code_sent VARCHAR,       -- the abolished code as sent, when it was mapped
    members_declared INTEGER NOT NULL,
    income_main DOUBLE NOT NULL,
    income_secondary DOUBLE NOT NULL,
    income_other DOUBLE NOT NULL,
    income_own_produce DOUBLE NOT NULL,
    food_safe TINYINT NOT NULL,
    medicine_safe TINYINT NOT NULL,
    housing_secure TINYINT NOT NULL,
    drinking_water_lpd DOUBLE NOT NULL,
    domestic_water_lpd DOUBLE NOT NULL,
    home_hygienic TINYINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.member (
    year_be INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    row_index BIGINT NOT NULL,
    household_key BIGINT NOT NULL,
    person_key BIGINT NOT NULL,      -- keyed hash of the citizen ID
    member_no INTEGER NOT NULL,
    sex TINYINT NOT NULL,
    age INTEGER NOT NULL,
    relation TINYINT NOT NULL,
    birth_weight_g DOUBLE,
    exercise TINYINT,
    schooling TINYINT NOT NULL,
    grade9_completed TINYINT,
    continued_grade10 TINYINT,
    literate TINYINT,
    occupation TINYINT NOT NULL,
    income_year DOUBLE NOT NULL,
    able_to_work TINYINT NOT NULL,
    self_care TINYINT NOT NULL,
    disabled TINYINT NOT NULL,
    chronic_illness TINYINT NOT NULL,
    cared_for TINYINT,
    welfare_card TINYINT NOT NULL
);

-- Indicator status columns: 1 deprived, 0 not deprived, NULL not applicable.
CREATE TABLE IF NOT EXISTS core.fact_household (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    household_key BIGINT NOT NULL,
    village_code VARCHAR NOT NULL,
    members INTEGER NOT NULL,
    members_declared INTEGER NOT NULL,
    income_total DOUBLE NOT NULL,
    income_per_capita DOUBLE NOT NULL,
    i_1_2 TINYINT, i_1_3 TINYINT, i_2_1 TINYINT, i_2_2 TINYINT,
    i_2_3 TINYINT, i_2_4 TINYINT, i_4_3 TINYINT
);

CREATE TABLE IF NOT EXISTS core.fact_person (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    person_key BIGINT NOT NULL,
    household_key BIGINT NOT NULL,
    village_code VARCHAR NOT NULL,
    sex TINYINT NOT NULL,
    age INTEGER NOT NULL,
    age_band VARCHAR NOT NULL,
    disabled TINYINT NOT NULL,
    welfare_card TINYINT NOT NULL,
    income_per_capita DOUBLE NOT NULL,
    i_1_1 TINYINT, i_1_2 TINYINT, i_1_3 TINYINT, i_1_4 TINYINT,
    i_2_1 TINYINT, i_2_2 TINYINT, i_2_3 TINYINT, i_2_4 TINYINT,
    i_3_1 TINYINT, i_3_2 TINYINT, i_3_3 TINYINT, i_3_4 TINYINT,
    i_4_1 TINYINT, i_4_2 TINYINT, i_4_3 TINYINT,
    i_5_1 TINYINT, i_5_2 TINYINT,
    -- i_*: the person's household (1: a member is deprived; 0: a member in scope, none deprived;
    -- NULL: nobody in scope), as TPMAP counts; own_*: the person's own status; blank_*: in scope
    -- with a blank answer (counted in scope, not deprived). sql/core/fact_person.sql
    own_i_1_1 TINYINT, own_i_1_2 TINYINT, own_i_1_3 TINYINT, own_i_1_4 TINYINT,
    own_i_2_1 TINYINT, own_i_2_2 TINYINT, own_i_2_3 TINYINT, own_i_2_4 TINYINT,
    own_i_3_1 TINYINT, own_i_3_2 TINYINT, own_i_3_3 TINYINT, own_i_3_4 TINYINT,
    own_i_4_1 TINYINT, own_i_4_2 TINYINT, own_i_4_3 TINYINT,
    own_i_5_1 TINYINT, own_i_5_2 TINYINT,
    blank_i_1_1 TINYINT NOT NULL, blank_i_1_2 TINYINT NOT NULL, blank_i_1_3 TINYINT NOT NULL,
    blank_i_1_4 TINYINT NOT NULL, blank_i_2_1 TINYINT NOT NULL, blank_i_2_2 TINYINT NOT NULL,
    blank_i_2_3 TINYINT NOT NULL, blank_i_2_4 TINYINT NOT NULL, blank_i_3_1 TINYINT NOT NULL,
    blank_i_3_2 TINYINT NOT NULL, blank_i_3_3 TINYINT NOT NULL, blank_i_3_4 TINYINT NOT NULL,
    blank_i_4_1 TINYINT NOT NULL, blank_i_4_2 TINYINT NOT NULL, blank_i_4_3 TINYINT NOT NULL,
    blank_i_5_1 TINYINT NOT NULL, blank_i_5_2 TINYINT NOT NULL,
    first_in_household BOOLEAN NOT NULL, -- one member per household (households without DISTINCT)
    first_in_band BOOLEAN NOT NULL,  -- one member per household and age band
    deprivations TINYINT NOT NULL,   -- indicators the person's household fails (i_*), of 17
    mpi_poor BOOLEAN NOT NULL,       -- TPMAP union rule: a member of the household fails one
    deprivations_own TINYINT NOT NULL, -- indicators failed by the person's own status (own_*)
    mpi_poor_own BOOLEAN NOT NULL,   -- person-level variant: failed one themselves
    target_poor BOOLEAN NOT NULL     -- per the year's rule in schemas/catalog/survey_rules.yaml
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_1_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_1_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_1_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_1_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_2_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_2_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_2_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_2_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_3_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_3_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_3_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_3_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_4_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_4_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_4_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_5_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS own_i_5_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_1_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_1_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_1_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_1_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_2_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_2_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_2_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_2_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_3_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_3_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_3_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_3_4 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_4_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_4_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_4_3 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_5_1 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS blank_i_5_2 TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS first_in_household BOOLEAN;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS first_in_band BOOLEAN;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS deprivations_own TINYINT;
ALTER TABLE core.fact_person ADD COLUMN IF NOT EXISTS mpi_poor_own BOOLEAN;

-- Every additive count of the person facts per village and age band ('all' included), from one
-- scan of core.fact_person: the marts of persons (area_summary, area_indicator, area_targeting)
-- roll it up against core.village_area instead of each scanning the persons again. Households
-- are counted on one member each (first_in_band; for 'all', first_in_household); own_households_*
-- (households with a member deprived themselves) come from a second scan, of the persons
-- deprived themselves only. Counts are count(CASE ... END), BIGINT and 0 where none: DuckDB
-- 2.0's count_if is a HUGEINT sum, NULL over a group of NULL statuses. The table takes its
-- columns from the macro; a column added to the macro needs an ALTER here for old warehouses.
CREATE OR REPLACE MACRO village_counts(of_year_be) AS TABLE
WITH band AS (
    SELECT
        village_code, age_band,
        count(CASE WHEN first_in_band THEN 1 END) AS households,
        count(CASE WHEN first_in_household THEN 1 END) AS first_households,
        count(*) AS persons,
        count(CASE WHEN mpi_poor THEN 1 END) AS mpi_poor_persons,
        count(CASE WHEN mpi_poor_own THEN 1 END) AS mpi_poor_persons_own,
        count(CASE WHEN target_poor THEN 1 END) AS target_poor_persons,
        count(CASE WHEN mpi_poor AND welfare_card = 2 THEN 1 END) AS mpi_poor_card_verified,
        count(CASE WHEN mpi_poor AND welfare_card = 1 THEN 1 END) AS mpi_poor_card_registered,
        count(CASE WHEN mpi_poor AND welfare_card = 0 THEN 1 END) AS mpi_poor_no_card,
        count(CASE WHEN welfare_card = 2 THEN 1 END) AS card_verified_persons,
        count(CASE WHEN mpi_poor AND welfare_card <> 2 THEN 1 END) AS exclusion_persons,
        count(CASE WHEN welfare_card = 2 AND NOT mpi_poor THEN 1 END) AS inclusion_persons,
        count(COLUMNS('^i_\d_\d$')) AS 'hh_scope_\0',
        count(CASE WHEN COLUMNS('^i_\d_\d$') = 1 THEN 1 END) AS 'hh_deprived_\0',
        count(CASE WHEN first_in_band AND COLUMNS('^i_\d_\d$') = 1 THEN 1 END) AS 'hh_households_\0',
        count(CASE WHEN first_in_household AND COLUMNS('^i_\d_\d$') = 1 THEN 1 END) AS 'first_households_\0',
        count(COLUMNS('^own_(i_\d_\d)$')) AS 'own_scope_\1',
        count(CASE WHEN COLUMNS('^own_(i_\d_\d)$') = 1 THEN 1 END) AS 'own_deprived_\1',
        count(CASE WHEN COLUMNS('^blank_(i_\d_\d)$') = 1 THEN 1 END) AS 'missing_\1'
    FROM core.fact_person
    WHERE year_be = of_year_be
    GROUP BY village_code, age_band
), own AS (
    -- the persons deprived themselves on one indicator at least (a few): per household and
    -- band whether one of them is, so that households are counted without a DISTINCT
    SELECT village_code, household_key, age_band, max(COLUMNS('^own_(i_\d_\d)$')) AS '\1'
    FROM core.fact_person
    WHERE year_be = of_year_be AND deprivations_own > 0
    GROUP BY village_code, household_key, age_band
), own_households AS (
    SELECT village_code, age_band, count(CASE WHEN COLUMNS('^i_\d_\d$') = 1 THEN 1 END) AS 'own_households_\0'
    FROM own
    GROUP BY village_code, age_band
    UNION ALL BY NAME
    SELECT village_code, 'all' AS age_band,
           count(CASE WHEN COLUMNS('^i_\d_\d$') = 1 THEN 1 END) AS 'own_households_\0'
    FROM (
        SELECT village_code, household_key, max(COLUMNS('^i_\d_\d$')) AS '\0'
        FROM own
        GROUP BY village_code, household_key
    )
    GROUP BY village_code
), village AS (
    SELECT
        village_code, age_band, households,
        COLUMNS('^(persons|mpi_poor_|target_poor_|card_verified_|exclusion_|inclusion_|hh_scope_|hh_deprived_|hh_households_|own_scope_|own_deprived_|missing_)')
    FROM band
    UNION ALL BY NAME
    SELECT
        village_code, 'all' AS age_band,
        sum(first_households)::BIGINT AS households,
        sum(COLUMNS('^(persons|mpi_poor_|target_poor_|card_verified_|exclusion_|inclusion_|hh_scope_|hh_deprived_|own_scope_|own_deprived_|missing_)'))::BIGINT AS '\0',
        sum(COLUMNS('^first_households_(i_\d_\d)$'))::BIGINT AS 'hh_households_\1'
    FROM band
    GROUP BY village_code
)
SELECT
    of_year_be::INTEGER AS year_be,
    v.village_code, v.age_band,
    COLUMNS(v.* EXCLUDE (village_code, age_band))::BIGINT,
    coalesce(COLUMNS(o.* EXCLUDE (village_code, age_band)), 0)::BIGINT
FROM village AS v
LEFT JOIN own_households AS o USING (village_code, age_band);

CREATE TABLE IF NOT EXISTS core.village_count AS FROM village_counts(NULL) LIMIT 0;

-- The person records of a year for the income measures, identical records counted once:
-- `persons` people share the village, age band and income per head of a row (household members
-- mostly). Merged once per year (sql/core/person_income.sql, written with the person facts) and
-- read by the measure marts and by progress, for this year and as a base year, without grouping
-- and sorting the persons again. Rows are inserted village by village, band by band (youngest
-- first), in increasing income, and read back in that order (DuckDB keeps insertion order,
-- preserve_insertion_order): the order the measures sum in, so the same persons give the same
-- bits.
CREATE TABLE IF NOT EXISTS core.person_income (
    year_be INTEGER NOT NULL,
    village_code UINTEGER NOT NULL,  -- the village code as an integer (sql/measures/)
    age_band VARCHAR NOT NULL,
    income_per_capita DOUBLE NOT NULL,
    persons UINTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.area_summary (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    households BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    mpi_poor_persons BIGINT NOT NULL,
    target_poor_persons BIGINT NOT NULL,
    mpi_poor_card_verified BIGINT NOT NULL,
    mpi_poor_card_registered BIGINT NOT NULL,
    mpi_poor_no_card BIGINT NOT NULL,
    child_areas BIGINT NOT NULL,
    villages BIGINT NOT NULL,
    mpi_poor_persons_own BIGINT NOT NULL, -- person-level variant: deprived themselves
    tpmap_year_be INTEGER NOT NULL,  -- the TPMAP year this BMN survey year (year_be) feeds
    child_areas_expected BIGINT,     -- from core.dim_area; NULL where it holds none (villages)
    rollup_incomplete BOOLEAN        -- an expected child area has no data (docs/marts.md)
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_summary ADD COLUMN IF NOT EXISTS mpi_poor_persons_own BIGINT;
ALTER TABLE marts.area_summary ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;
ALTER TABLE marts.area_summary ADD COLUMN IF NOT EXISTS child_areas_expected BIGINT;
ALTER TABLE marts.area_summary ADD COLUMN IF NOT EXISTS rollup_incomplete BOOLEAN;

-- Persons in scope, deprived, households deprived and answers missing per indicator, area,
-- level, age band and year: stored wide, one row per area, band and year (17 times fewer rows
-- than the long form), each indicator's four counts as TPMAP counts them that year
-- (sql/marts/area_indicator.sql); person_counted lists the indicators counted by person.
CREATE TABLE IF NOT EXISTS marts.area_indicator_wide (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    person_counted VARCHAR[] NOT NULL, -- codes of the indicators counted by person this year
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    persons_in_scope_i_1_1 BIGINT NOT NULL, persons_deprived_i_1_1 BIGINT NOT NULL,
    households_deprived_i_1_1 BIGINT NOT NULL, answers_missing_i_1_1 BIGINT NOT NULL,
    persons_in_scope_i_1_2 BIGINT NOT NULL, persons_deprived_i_1_2 BIGINT NOT NULL,
    households_deprived_i_1_2 BIGINT NOT NULL, answers_missing_i_1_2 BIGINT NOT NULL,
    persons_in_scope_i_1_3 BIGINT NOT NULL, persons_deprived_i_1_3 BIGINT NOT NULL,
    households_deprived_i_1_3 BIGINT NOT NULL, answers_missing_i_1_3 BIGINT NOT NULL,
    persons_in_scope_i_1_4 BIGINT NOT NULL, persons_deprived_i_1_4 BIGINT NOT NULL,
    households_deprived_i_1_4 BIGINT NOT NULL, answers_missing_i_1_4 BIGINT NOT NULL,
    persons_in_scope_i_2_1 BIGINT NOT NULL, persons_deprived_i_2_1 BIGINT NOT NULL,
    households_deprived_i_2_1 BIGINT NOT NULL, answers_missing_i_2_1 BIGINT NOT NULL,
    persons_in_scope_i_2_2 BIGINT NOT NULL, persons_deprived_i_2_2 BIGINT NOT NULL,
    households_deprived_i_2_2 BIGINT NOT NULL, answers_missing_i_2_2 BIGINT NOT NULL,
    persons_in_scope_i_2_3 BIGINT NOT NULL, persons_deprived_i_2_3 BIGINT NOT NULL,
    households_deprived_i_2_3 BIGINT NOT NULL, answers_missing_i_2_3 BIGINT NOT NULL,
    persons_in_scope_i_2_4 BIGINT NOT NULL, persons_deprived_i_2_4 BIGINT NOT NULL,
    households_deprived_i_2_4 BIGINT NOT NULL, answers_missing_i_2_4 BIGINT NOT NULL,
    persons_in_scope_i_3_1 BIGINT NOT NULL, persons_deprived_i_3_1 BIGINT NOT NULL,
    households_deprived_i_3_1 BIGINT NOT NULL, answers_missing_i_3_1 BIGINT NOT NULL,
    persons_in_scope_i_3_2 BIGINT NOT NULL, persons_deprived_i_3_2 BIGINT NOT NULL,
    households_deprived_i_3_2 BIGINT NOT NULL, answers_missing_i_3_2 BIGINT NOT NULL,
    persons_in_scope_i_3_3 BIGINT NOT NULL, persons_deprived_i_3_3 BIGINT NOT NULL,
    households_deprived_i_3_3 BIGINT NOT NULL, answers_missing_i_3_3 BIGINT NOT NULL,
    persons_in_scope_i_3_4 BIGINT NOT NULL, persons_deprived_i_3_4 BIGINT NOT NULL,
    households_deprived_i_3_4 BIGINT NOT NULL, answers_missing_i_3_4 BIGINT NOT NULL,
    persons_in_scope_i_4_1 BIGINT NOT NULL, persons_deprived_i_4_1 BIGINT NOT NULL,
    households_deprived_i_4_1 BIGINT NOT NULL, answers_missing_i_4_1 BIGINT NOT NULL,
    persons_in_scope_i_4_2 BIGINT NOT NULL, persons_deprived_i_4_2 BIGINT NOT NULL,
    households_deprived_i_4_2 BIGINT NOT NULL, answers_missing_i_4_2 BIGINT NOT NULL,
    persons_in_scope_i_4_3 BIGINT NOT NULL, persons_deprived_i_4_3 BIGINT NOT NULL,
    households_deprived_i_4_3 BIGINT NOT NULL, answers_missing_i_4_3 BIGINT NOT NULL,
    persons_in_scope_i_5_1 BIGINT NOT NULL, persons_deprived_i_5_1 BIGINT NOT NULL,
    households_deprived_i_5_1 BIGINT NOT NULL, answers_missing_i_5_1 BIGINT NOT NULL,
    persons_in_scope_i_5_2 BIGINT NOT NULL, persons_deprived_i_5_2 BIGINT NOT NULL,
    households_deprived_i_5_2 BIGINT NOT NULL, answers_missing_i_5_2 BIGINT NOT NULL
);

-- The long form readers know (one row per area, band, year and indicator), with the columns
-- and their order the table of that name had before it was stored wide (a warehouse made before
-- holds that table: store/tables.py REPLACED drops it).
CREATE OR REPLACE VIEW marts.area_indicator AS
SELECT
    year, year_be, level, area_code, name_th, name_en, parent_code, age_band, indicator_code,
    persons_in_scope, persons_deprived, households_deprived,
    answers_missing, -- persons in scope whose answer is blank (not deprived)
    CASE WHEN list_contains(person_counted, indicator_code) THEN 'person' ELSE 'household' END
        AS counted_by, -- household | person: schemas/catalog/indicators.yaml
    tpmap_year_be, child_areas, child_areas_expected, rollup_incomplete
FROM (
    UNPIVOT marts.area_indicator_wide
    ON
    (persons_in_scope_i_1_1, persons_deprived_i_1_1, households_deprived_i_1_1, answers_missing_i_1_1) AS '1.1',
    (persons_in_scope_i_1_2, persons_deprived_i_1_2, households_deprived_i_1_2, answers_missing_i_1_2) AS '1.2',
    (persons_in_scope_i_1_3, persons_deprived_i_1_3, households_deprived_i_1_3, answers_missing_i_1_3) AS '1.3',
    (persons_in_scope_i_1_4, persons_deprived_i_1_4, households_deprived_i_1_4, answers_missing_i_1_4) AS '1.4',
    (persons_in_scope_i_2_1, persons_deprived_i_2_1, households_deprived_i_2_1, answers_missing_i_2_1) AS '2.1',
    (persons_in_scope_i_2_2, persons_deprived_i_2_2, households_deprived_i_2_2, answers_missing_i_2_2) AS '2.2',
    (persons_in_scope_i_2_3, persons_deprived_i_2_3, households_deprived_i_2_3, answers_missing_i_2_3) AS '2.3',
    (persons_in_scope_i_2_4, persons_deprived_i_2_4, households_deprived_i_2_4, answers_missing_i_2_4) AS '2.4',
    (persons_in_scope_i_3_1, persons_deprived_i_3_1, households_deprived_i_3_1, answers_missing_i_3_1) AS '3.1',
    (persons_in_scope_i_3_2, persons_deprived_i_3_2, households_deprived_i_3_2, answers_missing_i_3_2) AS '3.2',
    (persons_in_scope_i_3_3, persons_deprived_i_3_3, households_deprived_i_3_3, answers_missing_i_3_3) AS '3.3',
    (persons_in_scope_i_3_4, persons_deprived_i_3_4, households_deprived_i_3_4, answers_missing_i_3_4) AS '3.4',
    (persons_in_scope_i_4_1, persons_deprived_i_4_1, households_deprived_i_4_1, answers_missing_i_4_1) AS '4.1',
    (persons_in_scope_i_4_2, persons_deprived_i_4_2, households_deprived_i_4_2, answers_missing_i_4_2) AS '4.2',
    (persons_in_scope_i_4_3, persons_deprived_i_4_3, households_deprived_i_4_3, answers_missing_i_4_3) AS '4.3',
    (persons_in_scope_i_5_1, persons_deprived_i_5_1, households_deprived_i_5_1, answers_missing_i_5_1) AS '5.1',
    (persons_in_scope_i_5_2, persons_deprived_i_5_2, households_deprived_i_5_2, answers_missing_i_5_2) AS '5.2'
    INTO NAME indicator_code VALUE persons_in_scope, persons_deprived, households_deprived, answers_missing
);

-- Catalogs, copied from schemas/catalog/*.yaml so that SQL and notebooks can join on them.
CREATE TABLE IF NOT EXISTS core.dim_age_band (
    age_band VARCHAR PRIMARY KEY,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    min_age INTEGER NOT NULL,
    max_age INTEGER
);
-- The catalog's order of the bands (youngest first): ORDER BY age_band would sort them as text.
ALTER TABLE core.dim_age_band ADD COLUMN IF NOT EXISTS sort_order INTEGER;

CREATE TABLE IF NOT EXISTS core.dim_indicator (
    indicator_code VARCHAR PRIMARY KEY,
    status_column VARCHAR NOT NULL,
    bmn_no INTEGER NOT NULL,
    dimension VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,           -- whose answers the rule reads: person or household
    counted_by VARCHAR NOT NULL,     -- how TPMAP counts persons in scope and deprived
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    deprived_when VARCHAR NOT NULL
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE core.dim_indicator ADD COLUMN IF NOT EXISTS counted_by VARCHAR;

-- Each village of a survey year, with the codes of the areas above it: the hierarchy every
-- level of the marts rolls up against. Stored per year with core.fact_household
-- (sql/core/village_area.sql) rather than a view, which redid a DISTINCT over every household
-- each time a mart read it. (A warehouse made before holds a view of that name, dropped by
-- store/tables.py REPLACED; every year is then recomputed, as the SQL changed.)
CREATE TABLE IF NOT EXISTS core.village_area (
    year_be INTEGER NOT NULL,
    village_code VARCHAR NOT NULL,
    subdistrict_code VARCHAR NOT NULL,
    district_code VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL,
    region_code VARCHAR
);

-- Names and parents of every area at every level, villages included.
CREATE OR REPLACE VIEW core.area_names AS
SELECT level, area_code, name_th, name_en, parent_code FROM core.dim_area
UNION ALL
SELECT
    'village' AS level,
    v.village_code AS area_code,
    'หมู่ที่ ' || CAST(right(v.village_code, 2) AS INTEGER) || ' ต.' || s.name_th AS name_th,
    'Village ' || CAST(right(v.village_code, 2) AS INTEGER) || ', ' || s.name_en AS name_en,
    v.subdistrict_code AS parent_code
FROM (SELECT DISTINCT village_code, subdistrict_code FROM core.village_area) AS v
JOIN core.dim_area AS s ON s.level = 'subdistrict' AND s.area_code = v.subdistrict_code;

-- The level below each level, and how many areas of every lower level each area of core.dim_area
-- is expected to hold: those the BMN surveys (dim_area.bmn_surveyed). dim_area holds no villages,
-- so a subdistrict's villages are not known in advance: no row, and the marts' expected count of
-- a subdistrict is NULL (docs/marts.md, "How complete a rollup is").
CREATE OR REPLACE MACRO child_level(level) AS
    CASE level WHEN 'country' THEN 'region' WHEN 'region' THEN 'province'
         WHEN 'province' THEN 'district' WHEN 'district' THEN 'subdistrict'
         WHEN 'subdistrict' THEN 'village' END;

CREATE OR REPLACE VIEW core.area_expected AS
WITH surveyed AS (
    SELECT level, area_code, region_code FROM core.dim_area WHERE bmn_surveyed AND level <> 'country'
), above AS (
    SELECT level AS child_level, unnest([
        {'level': 'country', 'area_code': 'TH'},
        {'level': 'region', 'area_code': region_code},
        {'level': 'province', 'area_code': CASE WHEN level IN ('district', 'subdistrict')
                                                THEN left(area_code, 2) END},
        {'level': 'district', 'area_code': CASE WHEN level = 'subdistrict'
                                                THEN left(area_code, 4) END}
    ], recursive := true)
    FROM surveyed
)
SELECT level, area_code, child_level, count(*) AS child_areas_expected
FROM above
WHERE area_code IS NOT NULL AND level <> child_level
GROUP BY ALL;

-- Which level a GROUPING SETS row over (village, subdistrict, district, province, region) is,
-- and how many areas of the level below it holds: both marts roll up with these two.
CREATE OR REPLACE MACRO area_level(gv, gs, gd, gp, gr) AS
    CASE WHEN gv = 0 THEN 'village' WHEN gs = 0 THEN 'subdistrict' WHEN gd = 0 THEN 'district'
         WHEN gp = 0 THEN 'province' WHEN gr = 0 THEN 'region' ELSE 'country' END;

CREATE OR REPLACE MACRO area_children(level, v, s, d, p, r) AS
    CASE level WHEN 'village' THEN 0 WHEN 'subdistrict' THEN count(DISTINCT v)
         WHEN 'district' THEN count(DISTINCT s) WHEN 'province' THEN count(DISTINCT d)
         WHEN 'region' THEN count(DISTINCT p) ELSE count(DISTINCT r) END;

-- Measure marts (measures/): recomputed from the person records at every level, never averaged.
-- rule: 'tpmap_union' (k = the smallest indicator weight: deprived on any indicator) or
-- 'af_k33' (Alkire-Foster, k = 1/3); nested equal weights (schemas/catalog/dimensions.yaml).
CREATE TABLE IF NOT EXISTS marts.area_mpi (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    k DOUBLE NOT NULL,
    persons BIGINT NOT NULL,
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    poor_persons BIGINT NOT NULL,    -- persons with a deprivation score >= k
    h DOUBLE NOT NULL,               -- headcount ratio H
    a DOUBLE,                        -- intensity A among the poor (NULL when nobody is poor)
    m0 DOUBLE NOT NULL               -- adjusted headcount ratio M0 = H x A
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_mpi ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;
ALTER TABLE marts.area_mpi ADD COLUMN IF NOT EXISTS child_areas_expected BIGINT;
ALTER TABLE marts.area_mpi ADD COLUMN IF NOT EXISTS rollup_incomplete BOOLEAN;

-- Per area and rule (age_band 'all' only): each indicator's and dimension's part of M0.
CREATE TABLE IF NOT EXISTS marts.area_mpi_component (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    age_band VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    component_type VARCHAR NOT NULL, -- 'indicator' or 'dimension'
    component VARCHAR NOT NULL,      -- indicator code (1.1 ...) or dimension code (health ...)
    weight DOUBLE NOT NULL,
    uncensored_headcount DOUBLE NOT NULL,
    censored_headcount DOUBLE NOT NULL,
    contribution DOUBLE NOT NULL,    -- weight x censored headcount; they add up to M0
    contribution_share DOUBLE        -- contribution / M0 (NULL when M0 = 0)
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_mpi_component ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;

-- line: 'nso' (NSO/NESDC line of the year and region) or 'bmn' (the BMN income criterion).
CREATE TABLE IF NOT EXISTS marts.area_income_poverty (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    line VARCHAR NOT NULL,
    persons BIGINT NOT NULL,
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    line_min DOUBLE NOT NULL,        -- baht per person per year; regions' lines differ
    line_max DOUBLE NOT NULL,
    poor_persons BIGINT NOT NULL,
    fgt0 DOUBLE NOT NULL,            -- headcount ratio (poor when income < line)
    fgt1 DOUBLE NOT NULL,            -- poverty gap
    fgt2 DOUBLE NOT NULL,            -- squared poverty gap
    watts DOUBLE                     -- zero incomes in the population, adding nothing (WB PIP)
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_income_poverty ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;
ALTER TABLE marts.area_income_poverty ADD COLUMN IF NOT EXISTS child_areas_expected BIGINT;
ALTER TABLE marts.area_income_poverty ADD COLUMN IF NOT EXISTS rollup_incomplete BOOLEAN;

-- Per-capita household income, person-weighted.
CREATE TABLE IF NOT EXISTS marts.area_inequality (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    persons BIGINT NOT NULL,
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    zero_incomes_excluded BIGINT NOT NULL, -- from MLD and Atkinson(1), Atkinson(2) only
    mean_income DOUBLE,
    median_income DOUBLE,
    gini DOUBLE,
    theil DOUBLE,
    mld DOUBLE,
    atkinson_05 DOUBLE,
    atkinson_1 DOUBLE,
    atkinson_2 DOUBLE,
    palma DOUBLE,                    -- NULL when the poorest 40 % have no income
    s80_s20 DOUBLE,                  -- NULL when the poorest 20 % have no income
    ratio_null_reason VARCHAR        -- why gini, palma or s80_s20 is NULL (measures.RATIO_NULL_REASONS)
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_inequality ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;
ALTER TABLE marts.area_inequality ADD COLUMN IF NOT EXISTS child_areas_expected BIGINT;
ALTER TABLE marts.area_inequality ADD COLUMN IF NOT EXISTS rollup_incomplete BOOLEAN;

-- Theil T of an area = within its child areas + between them, exactly.
CREATE TABLE IF NOT EXISTS marts.area_theil_decomposition (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    child_level VARCHAR NOT NULL,
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    persons BIGINT NOT NULL,
    theil DOUBLE,
    within DOUBLE,
    between DOUBLE,
    between_share DOUBLE
);
-- Added to warehouses made before issue 8 (NULL until the year is recomputed, which the
-- changed rules fingerprint makes the next run do).
ALTER TABLE marts.area_theil_decomposition ADD COLUMN IF NOT EXISTS tpmap_year_be INTEGER;
ALTER TABLE marts.area_theil_decomposition ADD COLUMN IF NOT EXISTS child_areas_expected BIGINT;
ALTER TABLE marts.area_theil_decomposition ADD COLUMN IF NOT EXISTS rollup_incomplete BOOLEAN;

-- What each published survey year was computed from (store/inputs.py); written by the publish
-- step, so the snapshot says which inputs it holds. A year whose fingerprint is unchanged is not
-- recomputed.
CREATE TABLE IF NOT EXISTS core.year_input (
    year_be INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,    -- sha256 of the landing files' path, size, mtime and the rules
    files INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    run_id VARCHAR,                  -- the Dagster run that published it
    published_at TIMESTAMP NOT NULL
);

-- Sources pulled or imported into landing/sources/<source>/ (sources/, docs/sources.md).
-- Provenance of each landed file, as recorded in its provenance.json.
CREATE TABLE IF NOT EXISTS core.source_file (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    url VARCHAR,
    final_url VARCHAR,               -- after redirects
    sha256 VARCHAR NOT NULL,
    bytes BIGINT,
    fetched_at VARCHAR,              -- ISO 8601, UTC
    etag VARCHAR,
    last_modified VARCHAR,
    licence VARCHAR,
    dataset VARCHAR,
    dataset_modified VARCHAR,
    resource_modified VARCHAR
);

-- Per source file: rows read = rows loaded + rows quarantined.
CREATE TABLE IF NOT EXISTS core.source_ledger (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    file_error VARCHAR
);

-- One row per (row, column, rule) of a source file that failed: an unmatched area name, an
-- unknown label, a year of the other era, a value that is no number.
CREATE TABLE IF NOT EXISTS core.source_quarantine (
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_index BIGINT,
    column_name VARCHAR,
    rule VARCHAR NOT NULL,
    value VARCHAR,
    message_en VARCHAR NOT NULL
);

-- Published figures per area (TPMAP's counts, NSO's series, portals' tables), each with its
-- source. measure: schemas/catalog/figures.yaml; rolled_up: summed from the source's finer areas.
CREATE TABLE IF NOT EXISTS marts.published_figure (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR,
    name_en VARCHAR,
    parent_code VARCHAR,
    measure VARCHAR NOT NULL,
    indicator_code VARCHAR,
    value DOUBLE NOT NULL,
    unit VARCHAR,
    year_stated VARCHAR,             -- BE or CE: the era the source wrote its years in
    rolled_up BOOLEAN NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR,
    row_index BIGINT                 -- the source row (NULL when rolled up)
);

-- The survey beside each published figure of the same year, level, area and measure.
CREATE OR REPLACE VIEW marts.survey_vs_published AS
SELECT
    p.year, p.year_be, p.level, p.area_code, p.name_th, p.name_en, p.measure, p.indicator_code,
    p.source, p.value AS published_value, s.value AS survey_value,
    CASE WHEN p.value <> 0 THEN s.value / p.value - 1 END AS relative_gap
FROM marts.published_figure AS p
JOIN (
    SELECT year_be, level, area_code, 'households' AS measure, NULL AS indicator_code,
           households::DOUBLE AS value FROM marts.area_summary WHERE age_band = 'all'
    UNION ALL SELECT year_be, level, area_code, 'persons', NULL, persons::DOUBLE
           FROM marts.area_summary WHERE age_band = 'all'
    UNION ALL SELECT year_be, level, area_code, 'mpi_poor_persons', NULL,
           mpi_poor_persons::DOUBLE FROM marts.area_summary WHERE age_band = 'all'
    UNION ALL SELECT year_be, level, area_code, 'target_poor_persons', NULL,
           target_poor_persons::DOUBLE FROM marts.area_summary WHERE age_band = 'all'
    UNION ALL SELECT year_be, level, area_code, 'persons_deprived', indicator_code,
           persons_deprived::DOUBLE FROM marts.area_indicator WHERE age_band = 'all'
) AS s
  ON s.year_be = p.year_be AND s.level = p.level AND s.area_code = p.area_code
 AND s.measure = p.measure AND s.indicator_code IS NOT DISTINCT FROM p.indicator_code;

-- Provinces ranked by the survey's MPI-poor rate and by a published poverty rate (NSO's),
-- within the provinces both have for the year: rank 1 = the poorest.
CREATE OR REPLACE VIEW marts.poverty_rank_gap AS
WITH both_rates AS (
    SELECT p.year, p.year_be, p.area_code, p.name_th, p.name_en, p.source,
           p.value AS published_poverty_rate,
           s.mpi_poor_persons / s.persons AS mpi_poor_rate
    FROM marts.published_figure AS p
    JOIN marts.area_summary AS s
      ON s.year_be = p.year_be AND s.level = 'province' AND s.area_code = p.area_code
     AND s.age_band = 'all' AND s.persons > 0
    WHERE p.level = 'province' AND p.measure = 'poverty_rate'
)
SELECT *,
    rank() OVER (PARTITION BY year_be, source ORDER BY published_poverty_rate DESC) AS published_rank,
    rank() OVER (PARTITION BY year_be, source ORDER BY mpi_poor_rate DESC) AS mpi_poor_rank,
    count(*) OVER (PARTITION BY year_be, source) AS provinces
FROM both_rates;

-- What the published figures were loaded from (sources.run.fingerprint): `chipao run` loads
-- the sources again only when it changed.
CREATE TABLE IF NOT EXISTS core.source_input (
    fingerprint VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

-- Progress (measures/progress.py, assets/progress.py): change between survey years.
-- Who the welfare card reaches, per area, level and age band.
CREATE TABLE IF NOT EXISTS marts.area_targeting (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    tpmap_year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    persons BIGINT NOT NULL,
    child_areas BIGINT NOT NULL,
    child_areas_expected BIGINT,
    rollup_incomplete BOOLEAN,
    mpi_poor_persons BIGINT NOT NULL,
    card_verified_persons BIGINT NOT NULL,
    exclusion_persons BIGINT NOT NULL, -- MPI-poor without a verified welfare card
    exclusion_rate DOUBLE,             -- of the MPI-poor (NULL when none)
    inclusion_persons BIGINT NOT NULL, -- verified card holders who are not MPI-poor
    inclusion_rate DOUBLE              -- of the verified card holders (NULL when none)
);

-- One row per (year, level, area, age band, measure, comparison): the year against the
-- previous one and against the baseline (per centre, landing/targets/; else the earliest).
CREATE TABLE IF NOT EXISTS marts.area_progress (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    comparison VARCHAR NOT NULL,     -- 'previous' or 'baseline'
    base_year_be INTEGER NOT NULL,
    value DOUBLE NOT NULL,
    base_value DOUBLE NOT NULL,
    absolute DOUBLE NOT NULL,        -- value - base_value (mpitb conventions, measures/change.py)
    relative DOUBLE,                 -- value / base_value - 1 (NULL from 0)
    annualized_absolute DOUBLE NOT NULL,
    annualized_relative DOUBLE,
    rank_in_parent INTEGER,          -- 1 = the highest value among the areas of its parent
    base_rank_in_parent INTEGER,
    rank_change INTEGER,             -- rank - base rank: positive = away from the worst
    rank_in_country INTEGER,         -- provinces only
    base_rank_in_country INTEGER,
    rank_change_in_country INTEGER
);

-- Which target-poor rule a value is counted on (measures.progress.rule_series): official rows
-- follow each year's rule; target_poor_*_<rule> rows hold one rule in both years. series_break
-- says, on an official row, that the rule changed between the two years and what to read.
ALTER TABLE marts.area_progress ADD COLUMN IF NOT EXISTS target_rule VARCHAR;
ALTER TABLE marts.area_progress ADD COLUMN IF NOT EXISTS base_target_rule VARCHAR;
ALTER TABLE marts.area_progress ADD COLUMN IF NOT EXISTS series VARCHAR;
ALTER TABLE marts.area_progress ADD COLUMN IF NOT EXISTS series_break VARCHAR;
ALTER TABLE marts.area_progress ADD COLUMN IF NOT EXISTS series_break_th VARCHAR;

-- Why a measure changed: contributions that add up to its absolute change per split.
CREATE TABLE IF NOT EXISTS marts.area_change_factor (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    comparison VARCHAR NOT NULL,
    base_year_be INTEGER NOT NULL,
    measure VARCHAR NOT NULL,        -- m0_<rule> or fgt0_<line>
    split VARCHAR NOT NULL,          -- 'intensity' (H, A), 'indicator', 'growth_redistribution'
    factor VARCHAR NOT NULL,         -- H, A, an indicator code, growth, redistribution
    contribution DOUBLE NOT NULL
);

-- Centres' targets (landing/targets/*.yaml) and where each area stands in the year.
CREATE TABLE IF NOT EXISTS marts.area_target (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    centre VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    base_year_be INTEGER NOT NULL,
    base_value DOUBLE NOT NULL,
    reduce_by DOUBLE,
    target_value DOUBLE NOT NULL,
    by_year_be INTEGER NOT NULL,
    expected_value DOUBLE NOT NULL,  -- on the straight line from base to target this year
    actual_value DOUBLE NOT NULL,
    gap_to_target DOUBLE NOT NULL,   -- actual - target
    on_track BOOLEAN NOT NULL,       -- actual <= expected
    attained BOOLEAN NOT NULL        -- actual <= target
);
-- Set when the target-poor rule changed since the baseline year: base_value is then the
-- baseline year's data counted on this year's rule (like with like), not the published figure.
ALTER TABLE marts.area_target ADD COLUMN IF NOT EXISTS series_break VARCHAR;

-- Household panel (assets/panel.py, sql/panel/): each household of a year linked to one of
-- the previous survey year, by house key, else by shared members; 'unlinked' when neither.
CREATE TABLE IF NOT EXISTS core.household_link (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    household_key BIGINT NOT NULL,
    village_code VARCHAR NOT NULL,
    prev_year_be INTEGER NOT NULL,
    prev_household_key BIGINT,       -- NULL when unlinked
    prev_village_code VARCHAR,
    link VARCHAR NOT NULL            -- 'house_code', 'members' or 'unlinked'
);

-- Poverty transitions against the previous survey year, per area, age band and dimension.
CREATE TABLE IF NOT EXISTS marts.area_transition (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    age_band VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,      -- a dimension code, or 'all' (MPI-poor)
    child_areas BIGINT NOT NULL,
    households_stayed_poor BIGINT NOT NULL,
    households_left_poverty BIGINT NOT NULL,
    households_fell_into_poverty BIGINT NOT NULL,
    households_never_poor BIGINT NOT NULL,
    households_unlinked BIGINT NOT NULL,
    persons_stayed_poor BIGINT NOT NULL,
    persons_left_poverty BIGINT NOT NULL,
    persons_fell_into_poverty BIGINT NOT NULL,
    persons_never_poor BIGINT NOT NULL,
    persons_unlinked BIGINT NOT NULL
);

-- The same indicator failed in consecutive survey years, per area and indicator (households).
CREATE TABLE IF NOT EXISTS marts.area_persistent_deprivation (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    indicator_code VARCHAR NOT NULL,
    child_areas BIGINT NOT NULL,
    households_in_scope BIGINT NOT NULL,
    households_deprived_before BIGINT NOT NULL,
    households_deprived BIGINT NOT NULL,
    households_deprived_both_years BIGINT NOT NULL,
    persistence DOUBLE               -- deprived both years / deprived the year before
);

-- How the year's households link to the previous year's, and who moved, per area.
CREATE TABLE IF NOT EXISTS marts.area_panel (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    prev_year_be INTEGER NOT NULL,
    child_areas BIGINT NOT NULL,
    households BIGINT NOT NULL,
    households_linked_house_code BIGINT NOT NULL,
    households_linked_members BIGINT NOT NULL,
    households_unlinked BIGINT NOT NULL,
    households_moved_village BIGINT NOT NULL,
    previous_households_not_linked BIGINT NOT NULL, -- counted in their previous-year area
    persons_followed BIGINT NOT NULL,               -- in both years (same keyed citizen ID)
    persons_moved_household BIGINT NOT NULL,
    persons_moved_village BIGINT NOT NULL
);

-- Case records (landing/cases/<year_be>/, docs/marts.md "Case records"): every staged row, one per
-- status change of a household-problem; `current` = 1 marks its one current status.
CREATE TABLE IF NOT EXISTS core.fact_case (
    year_be INTEGER NOT NULL,        -- the survey year whose households the cases are about
    file VARCHAR NOT NULL,
    row_index BIGINT NOT NULL,
    household_key BIGINT NOT NULL,   -- keyed hash of the house code, as staging.household's
    dimension VARCHAR NOT NULL,
    indicator_code VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    assistance_type TINYINT,
    budget_baht DOUBLE,
    status VARCHAR NOT NULL,
    current TINYINT NOT NULL,
    raised_on DATE NOT NULL,
    resolved_on DATE,
    status_on DATE NOT NULL
);

-- Case records per area and problem (assets/cases.py, measures/cases.py): the current status
-- of each household-problem of the year; indicator_code 'all' = the dimension, both 'all' = all.
CREATE TABLE IF NOT EXISTS marts.area_case (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    dimension VARCHAR NOT NULL,
    indicator_code VARCHAR NOT NULL,
    child_areas BIGINT NOT NULL,
    problems_raised BIGINT NOT NULL,
    households BIGINT NOT NULL,
    target BIGINT NOT NULL,
    helped BIGINT NOT NULL,
    solved_by_household BIGINT NOT NULL,
    in_progress BIGINT NOT NULL,
    unreachable BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    median_days_to_resolution DOUBLE,
    budget_baht DOUBLE NOT NULL,
    budget_per_resolved DOUBLE
);

-- Did helped households leave poverty by this survey year? Households poor on a dimension in
-- cases_year_be, helped against comparable unhelped ones (measures/outcome.py).
CREATE TABLE IF NOT EXISTS marts.area_case_outcome (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,        -- the survey year that shows the outcome
    level VARCHAR NOT NULL,          -- country, region, province or district
    area_code VARCHAR NOT NULL,
    name_th VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    parent_code VARCHAR,
    dimension VARCHAR NOT NULL,      -- a dimension code, or 'all' (MPI-poor, helped on any)
    cases_year_be INTEGER NOT NULL,  -- the survey year of the cases and of the households' poverty
    helped_households BIGINT NOT NULL,
    helped_unlinked BIGINT NOT NULL,
    helped_followed BIGINT NOT NULL,
    helped_left BIGINT NOT NULL,
    helped_matched BIGINT NOT NULL,
    unhelped_households BIGINT NOT NULL,
    unhelped_unlinked BIGINT NOT NULL,
    comparison_households BIGINT NOT NULL,
    left_rate_helped DOUBLE,
    left_rate_comparison DOUBLE,
    difference DOUBLE,
    se DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE
);

-- Each year's suppression pattern: the keys of the cells its files for people hid, never their
-- values, with the bounds an attacker works out for them from the published cells
-- (reports/suppression.py). A recomputed year hides them again where they still exist, so that
-- two publications of a year together give away no hidden count (issue 24).
CREATE TABLE IF NOT EXISTS core.suppression_history (
    year INTEGER NOT NULL,
    year_be INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    mart VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    age_band VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    lower DOUBLE NOT NULL,
    upper DOUBLE NOT NULL            -- inf: shown as "x", no upper bound known
);
