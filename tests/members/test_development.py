import datetime as dt

from members.development import IMPLIED_STEPS, assess, probation_end

TODAY = dt.date(2026, 11, 22)


def test_talk_due_within_a_month():
    progress = assess({1: dt.date(2026, 9, 1)}, today=TODAY)
    assert progress.next_step == 2
    assert progress.next_due == dt.date(2026, 10, 1)
    assert [f.step for f in progress.overdue] == [2]
    on_time = assess({1: dt.date(2026, 11, 10)}, today=TODAY)
    assert not on_time.overdue


def test_late_talk_is_reported_but_not_overdue():
    progress = assess({1: dt.date(2026, 1, 1), 2: dt.date(2026, 3, 1)}, today=TODAY)
    assert any("已超期" in f.message for f in progress.findings)
    assert not progress.overdue


def test_candidate_needs_a_year_as_activist():
    progress = assess({1: dt.date(2024, 1, 1), 3: dt.date(2025, 3, 1), 7: dt.date(2026, 2, 1)}, today=TODAY)
    assert any(f.step == 7 and "不满1年" in f.message for f in progress.findings)
    ok = assess({1: dt.date(2024, 1, 1), 3: dt.date(2025, 3, 1), 7: dt.date(2026, 3, 1)}, today=TODAY)
    assert not any(f.step == 7 for f in ok.findings)


def test_training_three_days_or_24_hours():
    done = {1: dt.date(2024, 1, 1), 3: dt.date(2024, 6, 1), 7: dt.date(2025, 7, 1), 11: dt.date(2025, 8, 1)}
    assert any(f.step == 11 for f in assess(done, today=TODAY, training_hours=16).findings)
    assert not any(f.step == 11 for f in assess(done, today=TODAY, training_hours=24).findings)
    assert not any(f.step == 11 for f in assess(done, today=TODAY, training_days=3).findings)


def test_approval_within_three_months_of_branch_meeting():
    done = {n: dt.date(2026, 1, 1) for n in range(1, 16)}
    progress = assess(done, today=TODAY)
    assert progress.next_step == 16
    overdue = [f for f in progress.overdue if f.step == 17]
    assert overdue and overdue[0].due_on == dt.date(2026, 4, 1)
    with_reason = assess(done, today=dt.date(2026, 5, 1), step17_reason=True)
    assert not [f for f in with_reason.overdue if f.step == 17]


def test_probation_one_year_plus_one_extension():
    assert probation_end(dt.date(2025, 7, 1)) == dt.date(2026, 7, 1)
    assert probation_end(dt.date(2025, 7, 1), 6) == dt.date(2027, 1, 1)
    done = {n: dt.date(2025, 7, 1) for n in range(1, 23)}
    progress = assess(done, today=TODAY)
    assert any(f.step == 23 and f.overdue for f in progress.findings)
    extended = assess(done, today=TODAY, extension_months=12)
    assert not any(f.step == 23 and f.overdue for f in extended.findings)


def test_activist_reviewed_every_six_months():
    progress = assess({1: dt.date(2025, 1, 1), 2: dt.date(2025, 1, 10), 3: dt.date(2025, 3, 1)}, today=TODAY)
    assert any(f.step == 6 and f.overdue for f in progress.findings)


def test_underage_application():
    progress = assess({1: dt.date(2026, 1, 1)}, today=TODAY, birth_date=dt.date(2008, 6, 1))
    assert any("未满18周岁" in f.message for f in progress.findings)


def test_records_from_paper_start_after_last_step():
    progress = assess({15: dt.date(2026, 6, 1)}, today=TODAY)
    assert progress.next_step == 16
    assert not any(f.step == 2 for f in progress.findings)


def test_steps_implied_by_status_are_not_overdue():
    """A 预备党员 loaded with their dates (steps 1, 3, 7, 15) has been approved (17): their status
    says so. A 发展对象 voted in (15) and awaiting approval is still checked."""
    loaded = {1: dt.date(2024, 1, 1), 3: dt.date(2024, 6, 1), 7: dt.date(2025, 7, 1), 15: dt.date(2026, 3, 1)}
    old = assess(loaded, today=TODAY)
    assert [f.step for f in old.overdue] == [17]  # the old reading: the approval looks overdue
    probationary = assess(loaded, today=TODAY, implied=IMPLIED_STEPS["probationary"])
    assert not probationary.overdue
    assert probationary.next_step == 18
    assert any(f.step == 23 and not f.overdue for f in probationary.findings)  # 转正 still ahead
    awaiting = assess(loaded, today=TODAY, implied=IMPLIED_STEPS["candidate"])
    assert [f.step for f in awaiting.overdue] == [17]


def test_a_candidate_is_no_longer_reviewed_as_an_activist():
    done = {1: dt.date(2023, 1, 1), 3: dt.date(2023, 6, 1)}  # 确定发展对象 never dated
    assert any(f.step == 6 and f.overdue for f in assess(done, today=TODAY).findings)
    assert not assess(done, today=TODAY, implied=IMPLIED_STEPS["candidate"]).overdue


def test_late_steps_carry_the_day_they_were_done():
    progress = assess({1: dt.date(2026, 1, 1), 2: dt.date(2026, 3, 1)}, today=TODAY)
    [late] = progress.late
    assert (late.step, late.due_on, late.done_on) == (2, dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert progress.late_within(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == [late]
    assert progress.late_within(dt.date(2026, 4, 1), dt.date(2026, 6, 30)) == []
