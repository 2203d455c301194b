-- Which device a ticket came from, and the machine's state at that moment (JSON, shown to
-- technicians).

ALTER TABLE tickets ADD COLUMN device_id TEXT REFERENCES devices(id);
ALTER TABLE tickets ADD COLUMN system_info TEXT;
