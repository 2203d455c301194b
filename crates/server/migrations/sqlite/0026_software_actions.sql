-- Approved software installed and removed through self-service actions.
--
-- A device says which system it is (the agent's `platform`) and which privileged helper serves
-- it (`helper`, JSON: its machine id and package managers), so a grant can name the one package
-- that fits and the one helper that may run it. An install or remove names the entry and its
-- package (`software`, JSON); while one is under way on a device, no second one for the same
-- entry can be asked for.

ALTER TABLE devices ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN helper TEXT;
-- The approved packages installed there, as the helper found them (JSON).
ALTER TABLE devices ADD COLUMN installed TEXT NOT NULL DEFAULT '[]';

ALTER TABLE actions ADD COLUMN software TEXT;
ALTER TABLE actions ADD COLUMN software_item TEXT;
CREATE UNIQUE INDEX actions_one_per_package ON actions (device_id, software_item)
    WHERE software_item IS NOT NULL AND state IN ('requested', 'verified', 'delivered', 'running');
