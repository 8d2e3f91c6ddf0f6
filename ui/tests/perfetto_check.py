"""Parses a `uringtop export --perfetto` trace with Perfetto's published schema (perfetto_trace.proto,
as compiled into the `perfetto` package on PyPI) and checks its structure.

usage: perfetto_check.py TRACE EXPECTED_SLICES     (exit 0: valid; otherwise says what is wrong)
"""
import sys

from google.protobuf.unknown_fields import UnknownFieldSet
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb


def fail(why):
    print(f"perfetto_check: {why}", file=sys.stderr)
    sys.exit(1)


def no_unknown_fields(msg, where):
    """Every field we wrote must be one the schema knows (a wrong field number would not be)."""
    if len(UnknownFieldSet(msg)):
        fail(f"{where}: fields the schema does not know: {[f.field_number for f in UnknownFieldSet(msg)]}")
    for field, value in msg.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for sub in value if field.is_repeated else [value]:
                no_unknown_fields(sub, f"{where}.{field.name}")


def main():
    path, expected = sys.argv[1], int(sys.argv[2])
    trace = pb.Trace()
    trace.ParseFromString(open(path, "rb").read())
    no_unknown_fields(trace, "Trace")
    tracks, begins, ends, open_slices = {}, 0, 0, {}
    for packet in trace.packet:
        if packet.HasField("track_descriptor"):
            d = packet.track_descriptor
            if d.uuid == 0 or d.uuid in tracks:
                fail(f"track uuid {d.uuid} is zero or declared twice")
            if d.HasField("parent_uuid") and d.parent_uuid not in tracks:
                fail(f"track {d.name!r} has an undeclared parent")
            tracks[d.uuid] = d
        elif packet.HasField("track_event"):
            e = packet.track_event
            if e.track_uuid not in tracks:
                fail(f"an event on undeclared track {e.track_uuid}")
            if not packet.HasField("timestamp") or packet.trusted_packet_sequence_id == 0:
                fail("an event without timestamp or sequence id")
            if e.type == pb.TrackEvent.TYPE_SLICE_BEGIN:
                begins += 1
                if not e.name or not e.categories:
                    fail("a slice without name or category")
                names = {a.name for a in e.debug_annotations}
                if not {"process", "fd", "user_data", "res", "path"} <= names:
                    fail(f"slice {e.name} lacks SQE/CQE annotations: {sorted(names)}")
                if open_slices.get(e.track_uuid):
                    fail(f"overlapping slices on track {tracks[e.track_uuid].name!r}")
                open_slices[e.track_uuid] = packet.timestamp
            elif e.type == pb.TrackEvent.TYPE_SLICE_END:
                ends += 1
                start = open_slices.pop(e.track_uuid, None)
                if start is None or packet.timestamp < start:
                    fail("a slice end without its begin, or before it")
            else:
                fail(f"unexpected event type {e.type}")
        else:
            fail("a packet that is neither a track nor an event")
    if begins != expected or ends != expected:
        fail(f"{begins} slice begins and {ends} ends, expected {expected} requests")
    rings = [d for d in tracks.values() if not d.HasField("parent_uuid")]
    if not rings or not all(d.name.startswith("ring ") for d in rings):
        fail(f"ring tracks: {[d.name for d in rings]}")
    print(f"perfetto_check: {len(trace.packet)} packets, {len(rings)} rings, {begins} slices: valid")


main()
