-- An organisation's own brand (JSON of bellhop_proto::BrandSettings): what it sets over the
-- desk's brand. NULL: the desk's brand.
ALTER TABLE orgs ADD COLUMN brand TEXT;
