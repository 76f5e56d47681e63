-- A section is unique by its kind and name: condo keeps residential
-- sections and parking apart, so an entrance «1» and a parking level «1»
-- may both exist in one building.
DROP INDEX sections_name_key;
CREATE UNIQUE INDEX sections_name_key ON sections (building_id, kind, name);
