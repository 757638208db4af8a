-- Each event's packed io.cloudevents.v1.CloudEvent, stored once by the relay (in the same
-- transaction that appends the row; erasure re-packs the rows it scrubs), so stream.Read copies
-- bytes instead of building and packing a CloudEvent per event. NULL only for rows appended
-- before this migration: stream.Read builds those from the other columns.
ALTER TABLE log ADD COLUMN cloudevent bytea;
