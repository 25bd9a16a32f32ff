-- Households, persons, MPI-poor and target-poor persons per area, level and age band.
-- Villages are the year's village x age band counts (core.village_count, one scan of the
-- person facts); every higher level adds up its villages, so each level reconciles with its
-- children by construction, and households (each in one village) and persons stay additive.
-- MPI-poor persons follow TPMAP: members of a household in which anyone fails an indicator
-- (sql/core/fact_person.sql); mpi_poor_persons_own is the person-level variant. Households are
-- counted on one member each (first_in_band, first_in_household), with no DISTINCT. Every row
-- says how many child areas core.area_expected expects and whether one has no data
-- (rollup_incomplete, counted over all ages). Params: $year_be, $tpmap_year_be.
INSERT INTO marts.area_summary BY NAME
WITH placed AS (
    SELECT * EXCLUDE (year_be)
    FROM core.village_count
    JOIN (SELECT * EXCLUDE (year_be) FROM core.village_area WHERE year_be = $year_be)
      USING (village_code)
    WHERE year_be = $year_be
)
SELECT
    $year_be - 543 AS year,
    $year_be AS year_be,
    $tpmap_year_be AS tpmap_year_be,
    r.level, r.area_code, n.name_th, n.name_en, n.parent_code,
    r.age_band,
    r.households, r.persons, r.mpi_poor_persons, r.mpi_poor_persons_own, r.target_poor_persons,
    r.mpi_poor_card_verified, r.mpi_poor_card_registered, r.mpi_poor_no_card,
    r.child_areas, r.villages,
    e.child_areas_expected,
    max(r.child_areas) OVER (PARTITION BY r.level, r.area_code) < e.child_areas_expected
        AS rollup_incomplete
FROM (
    SELECT
        area_level(GROUPING(village_code), GROUPING(subdistrict_code), GROUPING(district_code),
                   GROUPING(province_code), GROUPING(region_code)) AS level,
        coalesce(village_code, subdistrict_code, district_code, province_code, region_code, 'TH')
            AS area_code,
        age_band,
        sum(households)::BIGINT AS households,
        sum(persons)::BIGINT AS persons,
        sum(mpi_poor_persons)::BIGINT AS mpi_poor_persons,
        sum(mpi_poor_persons_own)::BIGINT AS mpi_poor_persons_own,
        sum(target_poor_persons)::BIGINT AS target_poor_persons,
        sum(mpi_poor_card_verified)::BIGINT AS mpi_poor_card_verified,
        sum(mpi_poor_card_registered)::BIGINT AS mpi_poor_card_registered,
        sum(mpi_poor_no_card)::BIGINT AS mpi_poor_no_card,
        area_children(level, village_code, subdistrict_code, district_code, province_code,
                      region_code) AS child_areas,
        count(DISTINCT village_code) AS villages
    FROM placed
    GROUP BY GROUPING SETS (
        (age_band, village_code),
        (age_band, subdistrict_code),
        (age_band, district_code),
        (age_band, province_code),
        (age_band, region_code),
        (age_band)
    )
) AS r
JOIN core.area_names AS n ON n.level = r.level AND n.area_code = r.area_code
LEFT JOIN core.area_expected AS e
  ON e.level = r.level AND e.area_code = r.area_code AND e.child_level = child_level(r.level)
