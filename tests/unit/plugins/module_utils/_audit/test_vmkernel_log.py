# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import os
import random
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.multinic.vmotion.plugins.module_utils._audit.vmkernel_log import (
    MAX_LINE,
    MAX_MESSAGES,
    VmkernelLogParser,
    compare_migrations_with_vmks,
    duration_seconds,
    judge_host,
    parse_vmkernel_log,
    vmotion_vmks,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
SEED_ID = "1371189392257031"
SEED_VMKNICS = ["172.16.2.114", "172.16.3.114", "172.16.4.114", "172.16.1.114", "172.16.0.114"]
SEED_VMOTION_IPS = ["172.16.%d.114" % i for i in range(5)]


def _seed_text():
    with open(os.path.join(FIXTURES, "seed-vmkernel.log"), encoding="utf-8") as handle:
        return handle.read()


SEED = _seed_text()
SEED_LINES = SEED.splitlines()

# The seed's messages with other prefixes: what ESXi 8 writes, and what a syslog server stores.
_PLAIN_PREFIX = re.compile(r"^(\S+) (cpu\d+:\d+\).*)$")


def _reprefix(lines, fmt):
    out = []
    for line in lines:
        m = _PLAIN_PREFIX.match(line)
        out.append(fmt.format(ts=m.group(1), rest=m.group(2)))
    return out


ESXI8_SOURCE = """\
2024-01-01T10:00:00.123Z In(182) vmkernel: cpu3:2099123 opID=d5991c6f)Migrate: 314: vmotion: Source vmmLeaderID = 2118927, ts = 7182955985622810397, \
srcIP = <10.10.1.21> dstIP = <10.10.1.22> Dest wid = 2109446 using SHARED swap, encrypted
2024-01-01T10:00:00.124Z In(182) vmkernel: cpu3:2099123)Hbr: 3340: Migration start received (worldID=2118927) (migrateType=1) (event=0) (isSource=1)
2024-01-01T10:00:00.131Z In(182) vmkernel: cpu5:2118950)MigrateNet: 1902: 7182955985622810397 S: Successfully bound connection to vmknic vmk1 - '10.10.1.21'
2024-01-01T10:00:00.132Z In(182) vmkernel: cpu5:2118950)VMotionUtil: 5211: 7182955985622810397 S: Stream connection 1 added.
2024-01-01T10:00:00.133Z In(182) vmkernel: cpu6:2118950)MigrateNet: 1902: 7182955985622810397 S: Successfully bound connection to vmknic vmk2 - '10.10.2.21'
2024-01-01T10:00:00.134Z In(182) vmkernel: cpu6:2118950)VMotionUtil: 5211: 7182955985622810397 S: Stream connection 2 added.
2024-01-01T10:00:02.001Z Wa(180) vmkwarning: cpu6:2118950)WARNING: VMotionUtil: 7123: 7182955985622810397 S: Stream 2 send stalled for 1500 ms
2024-01-01T10:00:04.870Z In(182) vmkernel: cpu9:2118927)VMotion: 5502: 7182955985622810397 S: Stopping pre-copy: only 1290 pages left to send, which can be \
sent within the switchover time goal of 0.500 seconds (network bandwidth ~2380.455 MB/s, 1732% t2d)
2024-01-01T10:00:05.402Z In(182) vmkernel: cpu9:2118927)Migrate: 1602: 7182955985622810397 S: Migration considered a success.
2024-01-01T10:00:05.410Z In(182) vmkernel: cpu2:2118950)VMotionUtil: 5263: 7182955985622810397 S: Stream connection 1 removed.
2024-01-01T10:00:05.411Z In(182) vmkernel: cpu2:2118950)VMotionUtil: 5263: 7182955985622810397 S: Stream connection 2 removed.
"""

DESTINATION = """\
2013-06-14T05:30:23.990Z cpu2:8543440)Migrate: vm 8543444: 3234: Setting VMOTION info: Dest ts = 1371189392257031, src ip = <172.16.2.114> \
dest ip = <172.16.2.115> Dest wid = 0 using SHARED swap
2013-06-14T05:30:23.996Z cpu4:8543450)VMotion: 2425: 1371189392257031 D: Set ip address '172.16.2.115' worldlet affinity to recv World ID 8543450
2013-06-14T05:30:23.996Z cpu4:8543450)VMotionUtil: 3087: 1371189392257031 D: Stream connection 1 added.
2013-06-14T05:30:23.997Z cpu5:8543451)VMotion: 2425: 1371189392257031 D: Set ip address '172.16.3.115' worldlet affinity to recv World ID 8543451
2013-06-14T05:30:23.997Z cpu5:8543451)VMotionUtil: 3087: 1371189392257031 D: Stream connection 2 added.
2013-06-14T05:30:39.102Z cpu4:8543444)VMotion: 4635: 1371189392257031 D: Received all changed pages.
2013-06-14T05:30:39.530Z cpu4:8543444)Migrate: 1643: 1371189392257031 D: Migration considered a success.
"""

FAILED = """\
2018-10-21T03:12:30.001Z cpu13:857334250)Migrate: vm 857334251: 3885: Setting VMOTION info: Source ts = 5422550532447652106, src ip = <10.0.0.1> \
dest ip = <10.0.0.2> Dest wid = 2100531 using SHARED swap
2018-10-21T03:12:30.010Z cpu13:857334255)MigrateNet: 1751: 5422550532447652106 S: Successfully bound connection to vmknic '10.0.0.1'
2018-10-21T03:12:30.011Z cpu13:857334255)VMotionUtil: 5199: 5422550532447652106 S: Stream connection 1 added.
2018-10-21T03:12:41.000Z cpu1:857334255)WARNING: VMotionUtil: 7123: 5422550532447652106 S: Remote connection timed out after 20 seconds
2018-10-21T03:12:42.047Z cpu13:857334255)WARNING: Migrate: 5454: 5422550532447652106 S: Migration considered a failure by the VMX.  It is most likely \
a timeout, but check the VMX log for the true error.
2018-10-21T03:12:42.048Z cpu13:857334255)WARNING: Migrate: 269: 5422550532447652106 S: Failed: Connection closed by remote host, possibly due to \
timeout (0xbad003f) @0x41801e2b9bb0
"""

STALLED = (
    "2015-12-25T16:39:41.100Z cpu4:2758492)VMotion: 4615: 1451061663105920 S: Stopping pre-copy: not enough forward progress "
    "(Pages left to send: prev2 2106, prev 2106, cur 2080, network bandwidth ~174.498 MB/s, 99% t2d)"
)


def _only(result):
    assert len(result["migrations"]) == 1, result["migrations"]
    return result["migrations"][0]


def _assert_seed(mig):
    assert mig["id"] == SEED_ID
    assert mig["side"] == "source"
    assert mig["src_ip"] == "172.16.2.114"
    assert mig["dst_ip"] == "172.16.2.115"
    assert mig["streams"] == 5
    assert mig["vmknics"] == SEED_VMKNICS
    assert sorted(mig["vmknics"]) == sorted(SEED_VMOTION_IPS)
    assert mig["bandwidth_mbytes_per_s"] == 571.132
    assert mig["precopy"] == {"pages_left": 43720, "switchover_goal_s": 0.5, "bandwidth_mbytes_per_s": 571.132, "bandwidth_mbps": 571.132}
    assert mig["failed"] is False


# --- the seed ---------------------------------------------------------------------------------------------------------

def test_seed_yields_one_source_migration_with_five_streams():
    result = parse_vmkernel_log(SEED)
    mig = _only(result)
    _assert_seed(mig)
    assert mig["streams_removed"] == 0
    assert mig["world_ids"] == [8543444, 8854653, 8854654, 8854886]
    assert mig["warnings"] == [] and mig["failure"] == []
    assert mig["first_ts"] == "2013-06-14T05:30:23.991Z"
    assert mig["last_ts"] == "2013-06-14T05:30:38.505Z"
    assert mig["duration_s"] == pytest.approx(14.514)
    # Affinitizing, Accepted connection and dataSocket lines carry no migration id.
    assert (result["lines"], result["skipped"], result["matched"]) == (17, 3, 14)


def test_seed_streaming_line_by_line_equals_whole_text():
    parser = VmkernelLogParser()
    for line in SEED.splitlines(True):
        parser.feed(line)
    assert parser.result() == parse_vmkernel_log(SEED)
    assert parse_vmkernel_log(SEED_LINES) == parse_vmkernel_log(SEED)
    assert parse_vmkernel_log(SEED.encode("utf-8")) == parse_vmkernel_log(SEED)
    assert parse_vmkernel_log(SEED.replace("\n", "\r\n")) == parse_vmkernel_log(SEED)


def test_result_is_a_snapshot_and_parsing_can_continue():
    parser = VmkernelLogParser()
    parser.feed_lines(SEED_LINES[:5])
    early = parser.result()
    parser.feed_lines(SEED_LINES[5:])
    assert _only(early)["streams"] == 0
    _assert_seed(_only(parser.result()))


def test_source_line_numbers_are_never_matched():
    # Builds renumber "Module: 3234:"; any number, or none at all, must give the same answer.
    rng = random.Random(7)
    renumbered = re.sub(r"(\)\w+: (?:vm \d+: )?)\d+: ", lambda m: "%s%d: " % (m.group(1), rng.randint(1, 99999)), SEED)
    assert renumbered != SEED
    assert parse_vmkernel_log(renumbered)["migrations"] == parse_vmkernel_log(SEED)["migrations"]


# --- prefixes ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "fmt",
    [
        "{ts} In(182) vmkernel: {rest}",
        "{ts} esx01.lab.local vmkernel: {rest}",
        "<166>{ts} esx01.lab.local vmkernel: {rest}",
        "<166>1 {ts} esx01.lab.local vmkernel - - - {rest}",
        "Jun 14 05:30:23 esx01.lab.local vmkernel: {rest}",
        "{ts} esx01 In(182) vmkernel: {rest}",
    ],
    ids=["esxi8", "syslog-iso", "syslog-pri", "rfc5424", "syslog-bsd", "esxi8-forwarded"],
)
def test_seed_with_other_prefixes(fmt):
    mig = _only(parse_vmkernel_log(_reprefix(SEED_LINES, fmt)))
    _assert_seed(mig)
    assert mig["world_ids"] == [8543444, 8854653, 8854654, 8854886]
    if fmt.startswith("Jun"):
        assert mig["first_ts"] == "Jun 14 05:30:23"
        assert mig["duration_s"] == 0.0
    else:
        assert mig["duration_s"] == pytest.approx(14.514)


def test_esxi8_start_line_and_vmk_names():
    mig = _only(parse_vmkernel_log(ESXI8_SOURCE))
    assert mig["id"] == "7182955985622810397"
    assert mig["side"] == "source"
    assert (mig["src_ip"], mig["dst_ip"]) == ("10.10.1.21", "10.10.1.22")
    assert mig["vmknics"] == ["10.10.1.21", "10.10.2.21"]
    assert (mig["streams"], mig["streams_removed"]) == (2, 2)
    assert mig["bandwidth_mbps"] == 2380.455
    assert mig["precopy"]["pages_left"] == 1290
    # vmmLeaderID, Dest wid and the worlds that logged; not the Hbr line, which has no migration id.
    assert mig["world_ids"] == [2099123, 2109446, 2118927, 2118950]
    # A Wa(180) warning without a failure is a warning only.
    assert mig["warnings"] == ["Stream 2 send stalled for 1500 ms"]
    assert mig["failed"] is False
    assert mig["duration_s"] == pytest.approx(5.288)


def test_esxi8_destination_start_line_without_space_after_ts():
    line = (
        "2024-01-01T10:00:00.100Z In(182) vmkernel: cpu1:2109400)Migrate: 314: vmotion: Dest vmmLeaderID = 2109446, ts =7182955985622810397, "
        "srcIP = <10.10.1.21> dstIP = <10.10.1.22> Dest wid = 0 using SHARED swap, encrypted"
    )
    mig = _only(parse_vmkernel_log([line]))
    assert (mig["id"], mig["side"], mig["src_ip"], mig["dst_ip"]) == ("7182955985622810397", "destination", "10.10.1.21", "10.10.1.22")
    # "Dest wid = 0" is not a world.
    assert mig["world_ids"] == [2109400, 2109446]


def test_esxi8_severity_error_line_is_a_warning():
    line = "2024-01-01T10:00:03.000Z Er(179) vmkernel: cpu6:2118950)VMotionUtil: 7200: 7182955985622810397 S: Send buffer exhausted, retrying"
    mig = _only(parse_vmkernel_log([line]))
    assert mig["warnings"] == ["Send buffer exhausted, retrying"]


# --- sides, failures, interleaving ------------------------------------------------------------------------------------

def test_destination_side():
    mig = _only(parse_vmkernel_log(DESTINATION))
    assert mig["side"] == "destination"
    assert (mig["src_ip"], mig["dst_ip"]) == ("172.16.2.114", "172.16.2.115")
    assert mig["vmknics"] == ["172.16.2.115", "172.16.3.115"]
    assert mig["streams"] == 2
    assert mig["precopy"] is None and mig["bandwidth_mbytes_per_s"] is None and mig["bandwidth_mbps"] is None
    assert mig["world_ids"] == [8543440, 8543444, 8543450, 8543451]
    assert mig["failed"] is False


def test_failure_and_warning_lines():
    mig = _only(parse_vmkernel_log(FAILED))
    assert mig["failed"] is True
    assert mig["warnings"] == [
        "Remote connection timed out after 20 seconds",
        "Migration considered a failure by the VMX.  It is most likely a timeout, but check the VMX log for the true error.",
        "Failed: Connection closed by remote host, possibly due to timeout (0xbad003f) @0x41801e2b9bb0",
    ]
    assert mig["failure"] == mig["warnings"][1:]
    assert mig["bandwidth_mbytes_per_s"] is None
    assert mig["streams"] == 1


def test_failure_code_without_warning_marks_failed():
    line = "2018-10-21T03:12:42.048Z cpu13:857334255)VMotionSend: 3508: 5422550532447652106 S: Sending failed, status 0xbad0021"
    mig = _only(parse_vmkernel_log([line]))
    assert mig["failed"] is True and mig["warnings"] == []
    assert mig["failure"] == ["Sending failed, status 0xbad0021"]


def test_stalled_precopy_has_no_switchover_goal():
    mig = _only(parse_vmkernel_log([STALLED]))
    assert mig["precopy"] == {"pages_left": 2080, "switchover_goal_s": None, "bandwidth_mbytes_per_s": 174.498, "bandwidth_mbps": 174.498}
    assert mig["bandwidth_mbytes_per_s"] == 174.498


def test_bandwidth_in_gb_is_converted_to_mb():
    line = SEED_LINES[-1].replace("~571.132 MB/s", "~1.25 GB/s")
    assert _only(parse_vmkernel_log([line]))["bandwidth_mbytes_per_s"] == 1250.0


def test_deprecated_bandwidth_name_carries_the_same_value():
    # bandwidth_mbps (read as megabits, holds megabytes) stays for one release beside bandwidth_mbytes_per_s.
    mig = _only(parse_vmkernel_log(SEED))
    assert mig["bandwidth_mbps"] == mig["bandwidth_mbytes_per_s"] == mig["precopy"]["bandwidth_mbps"] == 571.132
    (verdict,) = compare_migrations_with_vmks([mig], SEED_VMOTION_IPS)["verdicts"]
    assert verdict["bandwidth_mbytes_per_s"] == verdict["bandwidth_mbps"] == 571.132
    # a migration stored before the rename has only the old name
    old = dict((k, v) for k, v in mig.items() if k != "bandwidth_mbytes_per_s")
    (verdict,) = compare_migrations_with_vmks([old], SEED_VMOTION_IPS)["verdicts"]
    assert verdict["bandwidth_mbytes_per_s"] == verdict["bandwidth_mbps"] == 571.132


def test_interleaved_migrations_and_both_sides_in_one_log():
    other_id = "1371189392999999"
    other = [
        line.replace(SEED_ID, other_id).replace("172.16.", "10.9.").replace("8854", "7777")
        for line in SEED_LINES
        if "Stream connection 5" not in line and "'172.16.0.114'" not in line
    ]
    mixed = [line for pair in itertools.zip_longest(other, SEED_LINES) for line in pair if line is not None]
    mixed.extend(DESTINATION.splitlines())
    migrations = parse_vmkernel_log(mixed)["migrations"]
    assert [(m["id"], m["side"]) for m in migrations] == [(other_id, "source"), (SEED_ID, "source"), (SEED_ID, "destination")]
    _assert_seed(migrations[1])
    assert migrations[0]["streams"] == 4
    assert migrations[0]["vmknics"] == ["10.9.2.114", "10.9.3.114", "10.9.4.114", "10.9.1.114"]
    assert migrations[2]["streams"] == 2


def test_unknown_and_blank_lines_are_skipped_and_counted():
    text = "\n\nhello\n%s\n\x00\x01binary\n" % SEED_LINES[0]
    result = parse_vmkernel_log(text)
    assert result["lines"] == 5
    assert result["skipped"] == 4
    assert result["matched"] == 1
    assert _only(result)["streams"] == 0


def test_non_string_lines_are_skipped():
    parser = VmkernelLogParser()
    parser.feed_lines([None, 42, 3.5, object(), b"\xff\xfe" + SEED_LINES[7].encode("utf-8"), SEED_LINES[9].encode("latin-1")])
    parser.feed(None)
    parser.feed_lines(None)
    parser.feed_lines(12)
    result = parser.result()
    assert result["lines"] == 8
    assert result["matched"] == 2
    assert _only(result)["streams"] == 2


def test_empty_inputs():
    for empty in ("", [], (), b"", None):
        assert parse_vmkernel_log(empty) == {"migrations": [], "lines": 0, "skipped": 0, "matched": 0}


def test_huge_line_and_message_flood_are_bounded():
    huge = SEED_LINES[7][:-1] + "x" * 2000000
    flood = ["%s cpu1:2)WARNING: VMotion: 1: %s S: Failed again (0xbad0001) %s" % ("2013-06-14T05:31:00.000Z", SEED_ID, "y" * 1000)] * (MAX_MESSAGES + 50)
    mig = _only(parse_vmkernel_log([huge] + flood))
    assert len(mig["warnings"]) == MAX_MESSAGES
    assert len(mig["failure"]) == MAX_MESSAGES
    assert all(len(message) <= 512 for message in mig["failure"])


def test_failing_iterable_keeps_what_was_read():
    def lines():
        yield SEED_LINES[0]
        raise IOError("connection lost")

    result = parse_vmkernel_log(lines())
    assert result["lines"] == 1 and _only(result)["src_ip"] == "172.16.2.114"


def test_duration_seconds():
    assert duration_seconds("2013-06-14T05:30:23.991Z", "2013-06-14T05:30:38.505Z") == pytest.approx(14.514)
    assert duration_seconds("2013-06-14T05:30:23+02:00", "2013-06-14T03:30:24Z") == 1.0
    assert duration_seconds("Dec 31 23:59:59", "Jan  1 00:00:01") == 2.0
    assert duration_seconds("Jun 14 05:30:23", "2013-06-14T05:30:38.505Z") is None
    assert duration_seconds(None, "2013-06-14T05:30:38.505Z") is None
    assert duration_seconds("2013-02-30T00:00:00Z", "2013-03-01T00:00:00Z") is None


# --- fuzzing: never raise, counts add up ------------------------------------------------------------------------------

REAL_LINES = SEED_LINES + ESXI8_SOURCE.splitlines() + DESTINATION.splitlines() + FAILED.splitlines() + [STALLED]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_counts(result, fed):
    assert result["lines"] == fed
    assert 0 <= result["skipped"] <= fed
    assert result["matched"] + result["skipped"] == fed
    for mig in result["migrations"]:
        assert isinstance(mig["id"], str) and mig["side"] in ("source", "destination")
        assert mig["streams"] >= 0 and isinstance(mig["vmknics"], list)


@FUZZ
@given(st.text())
def test_fuzz_random_text(text):
    parts = text.split("\n")
    # A final newline ends the last line, it does not start another.
    _check_counts(parse_vmkernel_log(text), len(parts) - (parts[-1] == ""))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(REAL_LINES), st.integers(0, 400), st.integers(0, 400)), max_size=30))
def test_fuzz_truncated_real_lines(cuts):
    lines = [line[start:start + length] for line, start, length in cuts]
    _check_counts(parse_vmkernel_log(lines), len(lines))


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_fuzz_random_bytes(chunks):
    lines = [chunk.decode("utf-8", errors="replace") for chunk in chunks]
    _check_counts(parse_vmkernel_log(lines), len(lines))
    parse_vmkernel_log(b"\n".join(chunks))


@FUZZ
@given(st.lists(st.sampled_from(REAL_LINES), max_size=40), st.text(alphabet="0123456789 SD:'<>.=-~()\x00", max_size=40), st.integers(0, 300))
def test_fuzz_spliced_real_lines(lines, junk, at):
    # Junk made of the characters the parser looks for, spliced into real lines.
    spliced = [line[:at] + junk + line[at:] for line in lines]
    _check_counts(parse_vmkernel_log(spliced), len(spliced))


# --- linear on hostile input ------------------------------------------------------------------------------------------
# The log is data from the host: a line built to make a pattern backtrack must cost what a line of
# the same length costs. Each entry fills a MAX_LINE line with a prefix then a unit repeated (then a
# tail): the pieces a pattern starts on, without what completes it. 300 lines of 8 KiB of the
# pre-copy kind took 67 s when ".*?" separated the figures (issue 15).

_SRC = "2013-06-14T05:30:23.991Z cpu7:8854653)VMotion: 1: %s S: " % SEED_ID
_TAIL = " %s S: x" % SEED_ID  # for the pieces of the prefix (timestamp, cpu world, severity): a marker after them
_START_HEAD = "2013-06-14T05:30:23.991Z cpu7:8854653)Migrate: "
HOSTILE = {
    # _PAGES_LEFT, _GOAL, _BANDWIDTH
    "precopy-figures": (_SRC + "Stopping pre-copy: ", "only 1 pages left to send switchover time goal of 1 seconds ", ""),
    "precopy-pages": (_SRC + "Stopping pre-copy: ", "only 1 pages left to send ", ""),
    "precopy-goal": (_SRC + "Stopping pre-copy: only 1 pages left to send ", "switchover time goal of 1.5 seconds ", ""),
    "precopy-bandwidth": (_SRC + "pre-copy: only 1 pages left to send switchover time goal of 1 seconds ", "network bandwidth ~1. ", ""),
    "precopy-digits": (_SRC + "Stopping pre-copy: only ", "1", ""),
    # _CUR_PAGES
    "stalled-cur": (_SRC + "Stopping pre-copy: ", "cur 1,", ""),
    "stalled-bandwidth": (_SRC + "Stopping pre-copy: cur 1,", "network bandwidth ~1.", ""),
    # markers (str.find), _STREAM, _BOUND, _AFFINITY, _FAILURE
    "markers": ("2013-06-14T05:30:23.991Z cpu7:8854653)x", " S: D:", ""),
    "marker-ids": ("2013-06-14T05:30:23.991Z cpu7:8854653)x", "12345 S: 123456789012345678901 D: ", ""),
    "stream": (_SRC, "Stream connection 1 ", ""),
    "bound": (_SRC, "bound connection to vmknic x - ", ""),
    "bound-quote": (_SRC + "bound connection to vmknic '", "a", ""),
    "affinity": (_SRC, "Set ip address '", ""),
    "affinity-world": (_SRC + "Set ip address 'a' worldlet affinity to ", "a", ""),
    "failure": (_SRC, "Fail0xbad", ""),
    # _START
    "start-brackets": (_START_HEAD, "Source ts = 1, src ip = <", ""),
    "start-dest": (_START_HEAD + "ts = ", "Source ts = 1 src ip = <1> dest ip = <", ""),
    "start-leader": (_START_HEAD + "ts = ", "Destination vmmLeaderID = 1, ", ""),
    "start-spaces": (_START_HEAD + "ts = Source", " ", ""),
    "start-digits": (_START_HEAD + "Source ts = ", "1", ""),
    "start-vm": (_START_HEAD + "ts = Source ", "vm 1", ""),
    # _TIMESTAMP, _TIMESTAMP_ISO, _CPU_WORLD, _SEVERITY_WARN, before a marker
    "timestamp-fraction": ("2013-06-14T05:30:23.", "1", _TAIL),
    "timestamp-spaces": ("<1>", " ", _TAIL),
    "cpu": ("2013-06-14T05:30:23.991Z ", "cpu1:", _TAIL),
    "cpu-digits": ("2013-06-14T05:30:23.991Z cpu1:", "1", _TAIL),
    "severity": ("2013-06-14T05:30:23.991Z ) vmk", "Wa(1", _TAIL),
}


def _hostile_line(prefix, unit, tail):
    count = (MAX_LINE - len(prefix) - len(tail)) // len(unit)
    return prefix + unit * count + tail


def _cpu_seconds(lines, repeat=3):
    """Best of a few runs, in CPU time of this process: other load on the machine does not count."""
    best = None
    for dummy in range(repeat):
        started = time.process_time()
        parse_vmkernel_log(lines)
        spent = time.process_time() - started
        best = spent if best is None or spent < best else best
    return best


def _normal_log(size):
    """The seed's lines repeated up to `size` characters: a log where every line belongs to a migration."""
    lines, total = [], 0
    while total < size:
        line = SEED_LINES[len(lines) % len(SEED_LINES)]
        lines.append(line)
        total += len(line)
    return lines


# 24 lines of 8 KiB per kind (about 600 in all). A quadratic pattern made such a line cost 40 to 1000
# times a normal one, linear ones cost up to 3 times: the bound leaves a loaded machine a factor of 8,
# and the 20 ms on top keeps a timer's granularity from counting.
HOSTILE_LINES = 24
HOSTILE_FACTOR = 25


@pytest.fixture(scope="module")
def normal_seconds():
    return _cpu_seconds(_normal_log(HOSTILE_LINES * MAX_LINE), repeat=5)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_lines_cost_what_normal_lines_cost(kind, normal_seconds):
    line = _hostile_line(*HOSTILE[kind])
    assert MAX_LINE - 64 < len(line) <= MAX_LINE
    lines = [line] * HOSTILE_LINES
    # Every line reaches the parser (the prefilter lets it through), so the patterns do run on it.
    assert all(" S: " in line or " D: " in line or "ts =" in line for line in lines)
    spent = _cpu_seconds(lines)
    assert spent < HOSTILE_FACTOR * normal_seconds + 0.02, "%s: %.3f s for %d lines, a normal log of that size %.3f s" % (
        kind, spent, len(lines), normal_seconds)
    _check_counts(parse_vmkernel_log(lines), len(lines))


def test_hostile_lines_still_find_what_follows_them():
    # A figure after a hostile run is found as before: the first pieces, then the first that complete them.
    line = _hostile_line(*HOSTILE["precopy-figures"])[:MAX_LINE - 200] + "network bandwidth ~2.5 GB/s"
    assert _only(parse_vmkernel_log([line]))["precopy"] == {"pages_left": 1, "switchover_goal_s": 1.0, "bandwidth_mbytes_per_s": 2500.0,
                                                            "bandwidth_mbps": 2500.0}
    line = _hostile_line(*HOSTILE["stalled-cur"])[:MAX_LINE - 200] + " network bandwidth ~3 MB/s"
    assert _only(parse_vmkernel_log([line]))["precopy"] == {"pages_left": 1, "switchover_goal_s": None, "bandwidth_mbytes_per_s": 3.0,
                                                            "bandwidth_mbps": 3.0}
    line = _hostile_line(*HOSTILE["start-brackets"])[:MAX_LINE - 200] + " Source ts = 42, src ip = <10.0.0.1> dest ip = <10.0.0.2>"
    assert (_only(parse_vmkernel_log([line]))["id"], _only(parse_vmkernel_log([line]))["dst_ip"]) == ("42", "10.0.0.2")


# The patterns the pre-copy figures were read with, as reference: the searches that replace them
# find the same figures on any line (first pages, first goal after them, first bandwidth after that).
_OLD_PRECOPY = re.compile(
    r"only (\d+) pages left to send.*?switchover time goal of ([\d.]+) seconds.*?network bandwidth ~([\d.]+) ([KMGT]?B)/s")
_OLD_STALLED = re.compile(r"cur (\d+),.*?network bandwidth ~([\d.]+) ([KMGT]?B)/s")
_PRECOPY_PIECES = ["only 12 pages left to send", "only 3 pages left", " switchover time goal of 0.5 seconds", "goal of 2 seconds",
                   " network bandwidth ~571.132 MB/s", "network bandwidth ~1.5 GB/s", "network bandwidth ~7 B/s", "cur 9,", "cur 8",
                   "prev 4, ", " ", "x", "~"]


def _old_precopy(rest):
    p = _OLD_PRECOPY.search(rest)
    if p:
        return {"pages_left": int(p.group(1)), "switchover_goal_s": float(p.group(2)), "bandwidth_mbytes_per_s": p.group(3, 4)}
    p = _OLD_STALLED.search(rest)
    if p:
        return {"pages_left": int(p.group(1)), "switchover_goal_s": None, "bandwidth_mbytes_per_s": p.group(2, 3)}
    return None


_UNITS = {"B": 1e-6, "MB": 1.0, "GB": 1e3}


@FUZZ
@given(st.lists(st.sampled_from(_PRECOPY_PIECES), max_size=12))
def test_precopy_figures_are_those_the_lazy_pattern_found(pieces):
    rest = "Stopping pre-copy: " + "".join(pieces)
    expected = _old_precopy(rest)
    if expected:
        value, unit = expected["bandwidth_mbytes_per_s"]
        expected["bandwidth_mbytes_per_s"] = expected["bandwidth_mbps"] = round(float(value) * _UNITS[unit], 6)
    mig = _only(parse_vmkernel_log(["2013-06-14T05:30:23.991Z cpu7:8854653)VMotion: 1: %s S: %s" % (SEED_ID, rest)]))
    assert mig["precopy"] == expected


# --- compare with the host's vMotion vmks -----------------------------------------------------------------------------

def test_compare_all_vmks_used():
    migrations = parse_vmkernel_log(SEED)["migrations"]
    report = compare_migrations_with_vmks(migrations, [ip + "/24" for ip in SEED_VMOTION_IPS])
    (verdict,) = report["verdicts"]
    assert verdict["ok"] is True
    assert (verdict["expected_streams"], verdict["seen_streams"]) == (5, 5)
    assert verdict["unused_vmknics"] == [] and verdict["unexpected_vmknics"] == []
    assert report["summary"] == {"migrations": 1, "failed": 0, "not_ok": 0, "vmknics_never_used": [], "ok": True}


def test_compare_names_the_vmk_that_carried_no_stream():
    # Migrations of this host used 4 of its 5 vMotion vmks: vmk on 172.16.0.x never carried a stream.
    lines = [line for line in SEED_LINES if "'172.16.0.114'" not in line and "Stream connection 5" not in line]
    report = compare_migrations_with_vmks(parse_vmkernel_log(lines)["migrations"], SEED_VMOTION_IPS)
    (verdict,) = report["verdicts"]
    assert verdict["ok"] is False
    assert (verdict["expected_streams"], verdict["seen_streams"]) == (5, 4)
    assert verdict["unused_vmknics"] == ["172.16.0.114"]
    assert report["summary"]["vmknics_never_used"] == ["172.16.0.114"]
    assert report["summary"]["not_ok"] == 1 and report["summary"]["ok"] is False


def test_compare_unexpected_vmknic_and_failed_migration():
    migrations = parse_vmkernel_log(SEED)["migrations"] + parse_vmkernel_log(FAILED)["migrations"]
    report = compare_migrations_with_vmks(migrations, SEED_VMOTION_IPS[1:] + ["172.16.10.114"])
    seed, failed = report["verdicts"]
    assert seed["unexpected_vmknics"] == ["172.16.0.114"]
    assert seed["unused_vmknics"] == ["172.16.10.114"]
    assert failed["failed"] is True and failed["ok"] is False
    assert failed["unexpected_vmknics"] == ["10.0.0.1"]
    assert report["summary"]["failed"] == 1
    assert report["summary"]["vmknics_never_used"] == ["172.16.10.114"]


def test_compare_normalises_and_sorts_addresses():
    migrations = [{"id": "1", "side": "source", "vmknics": ["2001:db8:2:0::72", "172.16.10.1", "172.16.9.1"], "streams": 3, "failed": False}]
    report = compare_migrations_with_vmks(migrations, ["2001:DB8:2::72/64", "172.16.9.1", "172.16.10.1", "172.16.2.1", None, ""])
    (verdict,) = report["verdicts"]
    assert verdict["unused_vmknics"] == ["172.16.2.1"]
    assert verdict["used_vmknics"] == ["2001:db8:2::72", "172.16.10.1", "172.16.9.1"]
    assert verdict["expected_streams"] == 4


def test_compare_without_migrations_or_with_junk():
    report = compare_migrations_with_vmks([], SEED_VMOTION_IPS)
    assert report["verdicts"] == []
    assert report["summary"] == {"migrations": 0, "failed": 0, "not_ok": 0, "vmknics_never_used": SEED_VMOTION_IPS, "ok": False}
    report = compare_migrations_with_vmks([None, "x", {"streams": "many"}], "172.16.0.114")
    (verdict,) = report["verdicts"]
    assert verdict["seen_streams"] == 0 and verdict["unused_vmknics"] == ["172.16.0.114"]


# --- judging a host's migrations against its vMotion vmks ---------------------------------------------------------------

def _vmks(octet, devices=("vmk1", "vmk2", "vmk3", "vmk4", "vmk6")):
    subnet = {"vmk1": 1, "vmk2": 2, "vmk3": 3, "vmk4": 4, "vmk6": 0}
    return [{"device": d, "ip": "172.16.%d.%d" % (subnet[d], octet)} for d in devices]


def test_seed_migration_uses_all_five_vmks():
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(SEED_LINES)["migrations"], _vmks(114))
    assert verdict["status"] == "ok" and verdict["problems"] == [] and verdict["vmks_never_used"] == []
    assert migrations[0]["ok"] is True and migrations[0]["partial"] is False
    assert [v["device"] for v in migrations[0]["used_vmks"]] == ["vmk1", "vmk2", "vmk3", "vmk4", "vmk6"]


def test_missing_vmk_is_named():
    lines = [line for line in SEED_LINES if "172.16.3.114'" not in line and "Stream connection 5" not in line]
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(lines)["migrations"], _vmks(114))
    assert verdict["status"] == "not_ok"
    assert verdict["missing_streams"][0]["unused_vmks"] == [{"device": "vmk3", "ip": "172.16.3.114"}]
    assert verdict["missing_streams"][0]["seen_streams"] == 4
    assert "carried 4 stream(s) for 5 vMotion vmk(s); no stream on vmk3 (172.16.3.114)" in verdict["problems"][0]


def test_vmk_with_vmotion_disabled_is_unexpected():
    # .112 has vMotion only on vmk1, vmk3 and vmk4: a migration binding all five is not ok.
    migrations, verdict = judge_host("192.168.100.112", parse_vmkernel_log(
        [line.replace(".114", ".112") for line in SEED_LINES])["migrations"], _vmks(112, ("vmk1", "vmk3", "vmk4")))
    assert verdict["status"] == "not_ok" and verdict["missing_streams"] == []
    assert migrations[0]["unexpected_vmknics"] == ["172.16.0.112", "172.16.2.112"]
    assert "not a vMotion vmk of the host" in verdict["problems"][0]


def test_cut_migration_is_partial_and_not_judged():
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(SEED_LINES[10:])["migrations"], _vmks(114))
    assert migrations[0]["partial"] is True and migrations[0]["ok"] is None
    assert verdict["status"] == "no_migrations" and verdict["partial"] == 1 and verdict["problems"] == []


_VMX_FAILURE = "2013-06-14T05:30:40.000Z cpu1:8854653)Migrate: 1: 1371189392257031 S: Migration considered a failure by the VMX."


def test_failed_migration_is_reported():
    _migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(SEED_LINES + [_VMX_FAILURE])["migrations"], _vmks(114))
    assert verdict["failed"] == ["1371189392257031"] and verdict["status"] == "not_ok"
    assert "failed: Migration considered a failure" in verdict["problems"][-1]


def test_failure_of_a_cut_migration_still_counts():
    migrations, verdict = judge_host("192.168.100.114", parse_vmkernel_log(SEED_LINES[10:] + [_VMX_FAILURE])["migrations"], _vmks(114))
    assert migrations[0]["partial"] is True
    assert verdict["failed"] == ["1371189392257031"] and verdict["status"] == "not_ok" and verdict["migrations"] == 0


def test_vmotion_vmks_from_facts():
    facts = {"vmks": [
        {"device": "vmk0", "ip": "192.168.100.114", "ipv6": [], "vmotion": False},
        {"device": "vmk1", "ip": "172.16.1.114", "ipv6": [], "vmotion": True},
        {"device": "vmk2", "ip": None, "vmotion": True,
         "ipv6": [{"address": "fe80::1"}, {"address": "2001:db8::0:114"}]},
        {"device": "vmk3", "ip": None, "ipv6": [], "vmotion": True},
        # IPv6 only, as Terraform creates them: 0.0.0.0 is no address to carry a stream on.
        {"device": "vmk4", "ip": "0.0.0.0", "vmotion": True, "ipv6": [{"address": "2001:DB8::4:114", "prefix_length": 64}]},
        # On the vmotion TCP/IP stack, vMotion runs without the service being listed.
        {"device": "vmk5", "ip": "172.16.5.114", "ipv6": [], "services": [], "netstack": "vmotion"},
    ]}
    assert vmotion_vmks(facts) == [{"device": "vmk1", "ip": "172.16.1.114"}, {"device": "vmk2", "ip": "2001:db8::114"},
                                   {"device": "vmk4", "ip": "2001:db8::4:114"}, {"device": "vmk5", "ip": "172.16.5.114"}]
