"""The 25 steps of 发展党员 (《中国共产党发展党员工作细则》, 2014) and their timing checks.

The steps are fixed by the national rules, so they live here as a table rather than in the
database; each check names its source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from branches.periods import add_months

# The steps the higher 党委 takes (预审, 派人谈话, 审批, 审批转正): on the committee's to-do list,
# not on the branch secretary's, who cannot do them.
COMMITTEE_STEPS = frozenset({13, 16, 17, 24})

STAGES: list[tuple[str, range]] = [
    ("申请入党", range(1, 3)),
    ("入党积极分子的确定和培养教育", range(3, 7)),
    ("发展对象的确定和考察", range(7, 12)),
    ("预备党员的接收", range(12, 19)),
    ("预备党员的教育考察和转正", range(19, 26)),
]

STEPS: dict[int, str] = {
    1: "递交入党申请书",
    2: "党组织派人谈话",
    3: "推荐和确定入党积极分子",
    4: "报上级党委备案",
    5: "指定培养联系人",
    6: "培养教育考察",
    7: "确定发展对象",
    8: "报上级党委备案",
    9: "确定入党介绍人",
    10: "进行政治审查",
    11: "开展集中培训",
    12: "支部委员会审查",
    13: "上级党委预审",
    14: "填写入党志愿书",
    15: "支部大会讨论",
    16: "上级党委派人谈话",
    17: "上级党委审批",
    18: "再上一级党委组织部门备案",
    19: "编入党支部和党小组",
    20: "入党宣誓",
    21: "继续教育考察",
    22: "提出转正申请",
    23: "支部大会讨论（转正）",
    24: "上级党委审批（转正）",
    25: "材料归档",
}

# The step that moves a person to the next status, and the Person date it sets.
STATUS_STEPS = {1: ("applicant", "applied_on"), 3: ("activist", "activist_on"), 7: ("candidate", "candidate_on"),
                15: ("probationary", "probationary_on"), 24: ("full", "full_on")}

# The steps a person's status shows were done, whether or not their dates were recorded: a
# 预备党员 has been discussed by the 支部大会 (15) and approved by the higher committee (17) — one
# becomes a 预备党员 only on that approval (发展细则 第二十八条) —, a 正式党员 has passed the 转正
# discussion and approval (23, 24). No time limit is checked for an implied step.
IMPLIED_STEPS = {"applicant": 1, "activist": 3, "candidate": 7, "probationary": 17, "full": 24}

# 接收预备党员: the steps the 支部大会 discussion (15) needs first (发展细则 第二十二–二十四条).
ADMISSION_STEP = 15
APPROVAL_STEP = 17
BEFORE_ADMISSION = (12, 13, 14)

MIN_TRAINING_HOURS = 24
MIN_TRAINING_DAYS = 3


def stage_of(step: int) -> str:
    return next(name for name, steps in STAGES if step in steps)


@dataclass
class Finding:
    step: int
    message: str
    due_on: dt.date | None = None
    overdue: bool = False  # past ``due_on`` on the day judged and not done by then
    done_on: dt.date | None = None  # set for a step done after ``due_on`` (done late)

    @property
    def late(self) -> bool:
        return self.done_on is not None and self.due_on is not None and self.done_on > self.due_on


@dataclass
class Progress:
    """What a person's record says: next step, its due date, and every problem found."""

    done: dict[int, dt.date]
    next_step: int | None
    next_due: dt.date | None
    findings: list[Finding] = field(default_factory=list)
    implied: int = 0  # steps up to this one are shown done by the person's status (maybe undated)

    @property
    def overdue(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.overdue]

    @property
    def late(self) -> list[Finding]:
        """Steps done, but after their time limit."""
        return [finding for finding in self.findings if finding.late]

    def late_within(self, start: dt.date, end: dt.date) -> list[Finding]:
        """Steps done late on a day from ``start`` to ``end``."""
        return [finding for finding in self.late if start <= finding.done_on <= end]  # type: ignore[operator]

    @property
    def next_label(self) -> str:
        return STEPS[self.next_step] if self.next_step else "已完成"


def probation_end(accepted_on: dt.date, extension_months: int = 0) -> dt.date:
    """预备期 is one year from the 支部大会 (step 15), extended once by 6–12 months."""
    return add_months(accepted_on, 12 + extension_months)


def assess(
    done: dict[int, dt.date],
    *,
    today: dt.date,
    birth_date: dt.date | None = None,
    training_hours: int | None = None,
    training_days: int | None = None,
    extension_months: int = 0,
    step17_reason: bool = False,
    implied: int = 0,
) -> Progress:
    """Check a person's steps (``{step: date}``) against the timing rules of 发展细则, as they
    stand on ``today`` (a step is overdue when its time limit passed before that day). Steps up
    to ``implied`` count as done (:data:`IMPLIED_STEPS`: the person's status shows them) though
    undated: none of them is overdue."""
    findings: list[Finding] = []
    # Records moved in from paper often lack early steps: the next step follows the last one done
    # (or shown done by the person's status).
    last_done = max(max(done, default=0), implied)
    next_step = last_done + 1 if last_done < 25 else None

    def due(step: int, on: dt.date, message: str) -> None:
        late = done.get(step)
        if late is None:
            if step >= (next_step or 26):
                findings.append(Finding(step, message, on, overdue=on < today))
        elif late > on:
            findings.append(Finding(step, f"{message}（实际{late:%Y-%m-%d}完成，已超期）", on, overdue=False,
                                    done_on=late))

    applied = done.get(1)
    if applied and birth_date and add_months(birth_date, 18 * 12) > applied:
        findings.append(Finding(1, "递交入党申请书时未满18周岁"))
    if applied:
        due(2, add_months(applied, 1), "应在收到入党申请书后1个月内派人谈话")
    activist = done.get(3)
    still_activist = 7 not in done and implied < 7  # a 发展对象 is no longer reviewed as an 积极分子
    if activist:
        earliest = add_months(activist, 12)
        if 7 in done and done[7] < earliest:
            findings.append(Finding(7, f"确定为发展对象时担任入党积极分子不满1年（应不早于{earliest:%Y-%m-%d}）"))
        if still_activist and earliest <= today:
            findings.append(Finding(7, "培养满1年，可以考虑确定为发展对象", earliest))
    if activist and still_activist:
        last_review = max(activist, done.get(6, activist))
        due_review = add_months(last_review, 6)
        if due_review < today:
            findings.append(Finding(6, "应每半年对入党积极分子进行一次考察", due_review, overdue=True))
    if 11 in done and (training_hours or 0) < MIN_TRAINING_HOURS and (training_days or 0) < MIN_TRAINING_DAYS:
        findings.append(Finding(11, "集中培训不足3天或24学时"))
    accepted = done.get(15)
    if accepted:
        limit = add_months(accepted, 6 if step17_reason else 3)
        due(17, limit, f"上级党委应在支部大会讨论后{'6' if step17_reason else '3'}个月内审批")
        end = probation_end(accepted, extension_months)
        due(23, end, "预备期满应及时讨论转正")
        if 23 in done:
            due(24, add_months(done[23], 3), "上级党委应在3个月内审批转正")
    next_due = None
    if next_step is not None:
        pending = [f for f in findings if f.step == next_step and f.due_on]
        next_due = pending[0].due_on if pending else None
    return Progress(done=done, next_step=next_step, next_due=next_due, findings=findings, implied=implied)
