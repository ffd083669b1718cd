-- Evidence at intake (issue 25 §2): what the warehouse or an operator found when the parcel was
-- opened. One row per claim, the latest recording's facts; the photos and the courier's damage
-- report are the claim's attachments (claim_attachments, purposes intake_photo and
-- damage_report), named here in the order they were recorded.
CREATE TABLE IF NOT EXISTS claim_intake_evidence (
    claim_id uuid PRIMARY KEY REFERENCES claims (claim_id),
    parcel_id uuid,
    packaging text NOT NULL CHECK (packaging IN ('original', 'other', 'none')),
    seal_intact boolean,
    visible_damage boolean NOT NULL,
    dirty boolean NOT NULL,
    serial_legible boolean NOT NULL,
    transport_damage boolean NOT NULL,
    damage_report uuid REFERENCES claim_attachments (attachment_id),
    photos uuid[] NOT NULL DEFAULT '{}',
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);
