"""The demo company behind `manage.py load_demo`.

Everything here is deterministic: the roster is a fixed list, and an
employee's sheets for a quarter come from a random generator seeded with the
employee number and the quarter, so loading twice (or on another machine)
gives the same rows. Dates are relative to "today": the past quarter is the
calendar quarter before today's, and the current quarter is filled with
working days (Monday to Friday; public holidays are ignored) up to yesterday.

Rows are looked up by their natural keys (department name, username, employee
number, sheet employee/day/kind, event employee/kind/note within the quarter)
and only written when missing or different, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from appraisal.models import (
    Criterion,
    DailySheet,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    Quarter,
    QuarterStatus,
)
from appraisal.rules import CATEGORY_MAX, Category, QuarterId
from appraisal.services import event_record, quarter_approve, quarter_close, quarter_ensure
from awards.services import work_badge_issue
from employees.models import Department, DepartmentKind, Employee, EmploymentForm, Role, User
from employees.services import role_groups_sync

DEMO_PASSWORD = "smile2026"
OFFICE_USERNAME = "office"
HR_USERNAME = "hr"
SHEET_BATCH_SIZE = 500

ModelT = TypeVar("ModelT", bound=models.Model)

PERMANENT = EmploymentForm.PERMANENT
CONTRACT = EmploymentForm.CONTRACT
AGENCY = EmploymentForm.AGENCY
TEMPORARY = EmploymentForm.TEMPORARY


@dataclass(frozen=True)
class Profile:
    """How an employee tends to score, and the band their quarter average must fall in.

    On a share of days the head deducts a total drawn from a range. The band
    sits a point inside one tier of rules.md section 5, so every closed demo
    quarter shows each tier whatever dates it is built for.
    """

    deduction_share: float
    low: Decimal
    high: Decimal
    average_from: Decimal
    average_to: Decimal


PROFILES: dict[str, Profile] = {
    "best": Profile(0.25, Decimal("0.5"), Decimal("8"), Decimal("96.5"), Decimal("100")),
    "ambassador": Profile(0.6, Decimal("4"), Decimal("21"), Decimal("91"), Decimal("94")),
    "style": Profile(0.75, Decimal("8"), Decimal("27"), Decimal("86"), Decimal("89")),
    "plain": Profile(0.85, Decimal("12"), Decimal("29"), Decimal("81"), Decimal("84")),
    "training": Profile(0.95, Decimal("16"), Decimal("34"), Decimal("72"), Decimal("79")),
}
# Redraws of a quarter's plan until its average falls in the profile's band;
# most first draws already do, so the limit is never reached in practice.
PLAN_ATTEMPTS = 50


@dataclass(frozen=True)
class DemoPerson:
    name: str
    position: str
    form: EmploymentForm = PERMANENT
    profile: str = "ambassador"
    is_supervisor: bool = False
    left: bool = False
    joins_mid_quarter: bool = False


@dataclass(frozen=True)
class DemoDepartment:
    name: str
    kind: DepartmentKind
    number_prefix: str
    people: tuple[DemoPerson, ...]
    hosts_appraisal_office: bool = False


def _supervisor(name: str, position: str = "部长") -> DemoPerson:
    return DemoPerson(name, position, PERMANENT, profile="", is_supervisor=True)


F = DepartmentKind.FUNCTIONAL
L = DepartmentKind.FRONTLINE

# The ten departments of rules.md section 1, in that order; head1 … head10
# follow this order.
DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment(
        "综合部",
        F,
        "D01",
        (
            _supervisor("王建国"),
            DemoPerson("李晓燕", "文员", PERMANENT, "best"),
            DemoPerson("张海涛", "行政专员", CONTRACT, "ambassador"),
            DemoPerson("陈雪梅", "档案管理员", PERMANENT, "style"),
        ),
    ),
    DemoDepartment(
        "财务部",
        F,
        "D02",
        (
            _supervisor("赵丽华"),
            DemoPerson("孙静", "会计", PERMANENT, "best"),
            DemoPerson("周文博", "出纳", PERMANENT, "ambassador"),
            DemoPerson("吴佳琪", "成本会计", CONTRACT, "ambassador"),
        ),
    ),
    DemoDepartment(
        "人力资源部",
        F,
        "D03",
        (
            _supervisor("郑永红"),
            DemoPerson("冯晓丽", "人事专员", PERMANENT, "ambassador"),
            DemoPerson("何志强", "薪酬专员", PERMANENT, "style"),
            DemoPerson("许婷婷", "培训专员", CONTRACT, "best"),
        ),
    ),
    DemoDepartment(
        "安质部",
        F,
        "D04",
        (
            _supervisor("马国庆"),
            DemoPerson("高峰", "安全员", PERMANENT, "ambassador"),
            DemoPerson("罗春燕", "质检员", PERMANENT, "style"),
            DemoPerson("韩冬", "安全员", CONTRACT, "plain"),
        ),
    ),
    DemoDepartment(
        "生产部",
        L,
        "D05",
        (
            _supervisor("刘志刚"),
            DemoPerson("杨帆", "调度员", PERMANENT, "ambassador"),
            DemoPerson("黄海军", "调度员", PERMANENT, "style"),
            DemoPerson("朱红梅", "统计员", PERMANENT, "best"),
            DemoPerson("郭晓东", "计划员", CONTRACT, "ambassador"),
            DemoPerson("林海燕", "值班调度员", PERMANENT, "plain"),
            DemoPerson("宋立新", "生产助理", TEMPORARY, "style"),
        ),
    ),
    DemoDepartment(
        "货运部",
        L,
        "D06",
        (
            _supervisor("徐长江"),
            DemoPerson("谢丽娜", "理货员", PERMANENT, "ambassador"),
            DemoPerson("唐小军", "理货员", CONTRACT, "style"),
            DemoPerson("曹建平", "理货员", AGENCY, "plain"),
            DemoPerson("袁媛", "司磅员", PERMANENT, "best"),
            DemoPerson("邓伟", "司磅员", CONTRACT, "training"),
            DemoPerson("彭亮", "货运员", PERMANENT, "ambassador"),
            DemoPerson("董晓光", "理货员", CONTRACT, "plain", left=True),
        ),
    ),
    DemoDepartment(
        "技术部",
        L,
        "D07",
        (
            _supervisor("蒋文华", "主管"),
            DemoPerson("沈浩", "技术员", PERMANENT, "best"),
            DemoPerson("韦立军", "设备工程师", PERMANENT, "ambassador"),
            DemoPerson("范明", "电工", CONTRACT, "style"),
            DemoPerson("苏建勇", "计量员", PERMANENT, "ambassador"),
            DemoPerson("卢秀英", "技术员", CONTRACT, "plain"),
        ),
    ),
    DemoDepartment(
        "运行部",
        L,
        "D08",
        (
            _supervisor("丁学军"),
            DemoPerson("魏宏伟", "门机司机", PERMANENT, "ambassador"),
            DemoPerson("程大勇", "门机司机", PERMANENT, "style"),
            DemoPerson("薛志华", "门机司机", CONTRACT, "ambassador"),
            DemoPerson("叶建军", "皮带机司机", AGENCY, "plain"),
            DemoPerson("阎春生", "中控操作员", PERMANENT, "best"),
            DemoPerson("余少波", "流动机械司机", CONTRACT, "style"),
        ),
    ),
    DemoDepartment(
        "机械部",
        L,
        "D09",
        (
            _supervisor("潘振华"),
            DemoPerson("杜宝山", "机修工", PERMANENT, "ambassador"),
            DemoPerson("戴小兵", "机修工", CONTRACT, "style"),
            DemoPerson("夏德明", "电工", PERMANENT, "ambassador"),
            DemoPerson("钟海波", "电工", CONTRACT, "plain"),
            DemoPerson("汪卫东", "焊工", AGENCY, "style"),
            DemoPerson("田玉林", "机修工", PERMANENT, "ambassador"),
        ),
    ),
    DemoDepartment(
        "装卸作业部",
        L,
        "D10",
        (
            _supervisor("任长顺"),
            DemoPerson("姚大力", "装卸班组长", PERMANENT, "ambassador"),
            DemoPerson("石磊", "装卸工", AGENCY, "style"),
            DemoPerson("廖春雷", "装卸工", AGENCY, "plain"),
            DemoPerson("方志勇", "装卸工", CONTRACT, "ambassador"),
            DemoPerson("贾红军", "装卸工", AGENCY, "training"),
            DemoPerson("邱建华", "仓库保管员", PERMANENT, "best"),
            DemoPerson("侯小龙", "叉车司机", CONTRACT, "style"),
            DemoPerson("孔祥云", "装卸工", TEMPORARY, "ambassador", joins_mid_quarter=True),
        ),
    ),
)

# The assessment group (考核工作领导小组) sits in 安环部; its members lead and
# are not appraised.
SAFETY_DEPARTMENT = DemoDepartment(
    "安环部",
    F,
    "A00",
    (
        _supervisor("林勇", "考核工作领导小组组长"),
        _supervisor("柳伟杰", "考核工作领导小组副组长"),
        _supervisor("李自勇", "考核工作领导小组成员"),
        _supervisor("姜宝明", "考核工作领导小组成员"),
        _supervisor("刘琪", "考核工作领导小组成员（考核办公室）"),
        _supervisor("赵洪力", "考核工作领导小组成员"),
    ),
    hosts_appraisal_office=True,
)

ALL_DEPARTMENTS = (*DEPARTMENTS, SAFETY_DEPARTMENT)

OFFICE_CLERK = "刘琪"
HR_CLERK = "冯晓丽"
HR_DEPARTMENT = "人力资源部"

# What a head writes beside a deduction, per category.
DEDUCTION_NOTES: dict[Category, tuple[str, ...]] = {
    Category.DISCIPLINE: (
        "班前会迟到5分钟",
        "作业中擅离岗位",
        "未按调度指令及时到位",
        "交接班记录填写不全",
    ),
    Category.COURTESY: (
        "未主动问候来访客户",
        "工装穿着不整齐",
        "进入作业现场未戴安全帽",
    ),
    Category.SERVICE: (
        "答复客户询问不耐烦",
        "部门间协作时推诿",
        "客户办理手续等候时间过长",
        "对司机的提问解释不清",
    ),
    Category.MORALITY: (
        "下班未关闭照明设备",
        "工作态度消极",
    ),
}

# The number of criteria items per kind and category (rules.md section 2); an
# item missing from the Criterion table is simply not linked.
CRITERIA_COUNTS: dict[DepartmentKind, dict[Category, int]] = {
    DepartmentKind.FUNCTIONAL: {
        Category.DISCIPLINE: 3,
        Category.COURTESY: 2,
        Category.SERVICE: 5,
        Category.MORALITY: 3,
    },
    DepartmentKind.FRONTLINE: {
        Category.DISCIPLINE: 5,
        Category.COURTESY: 2,
        Category.SERVICE: 8,
        Category.MORALITY: 3,
    },
}

# Heavier weight where the measures put more points.
CATEGORY_WEIGHTS: dict[Category, int] = {
    Category.DISCIPLINE: 3,
    Category.COURTESY: 2,
    Category.SERVICE: 4,
    Category.MORALITY: 1,
}


@dataclass(frozen=True)
class DemoEvent:
    """An event of the demo, dated `offset` days after its quarter's first day."""

    number: str
    offset: int
    kind: EventKind
    note: str
    validity: EventValidity = EventValidity.VALID
    source: EventSource = EventSource.DEPARTMENT
    reported_by: str = ""
    points: Decimal | None = None
    amount: Decimal = Decimal("0")
    recorded_by_customer: bool = False


PAST_QUARTER_EVENTS: tuple[DemoEvent, ...] = (
    # A praise letter that lifts a Smile Style employee (about 87.5) to Best Smile.
    DemoEvent(
        "D0603",
        16,
        EventKind.PRAISE_LETTER,
        "来函表扬：夜班卸船期间理货准确、交接清楚，服务热情周到",
        source=EventSource.CUSTOMER,
        reported_by="中粮贸易有限公司",
    ),
    DemoEvent(
        "D0802",
        30,
        EventKind.PENNANT,
        "船东赠送锦旗“装卸高效 服务一流”，公司奖励100元",
        source=EventSource.CUSTOMER,
        reported_by="远洋船务代理",
        amount=Decimal("100"),
    ),
    DemoEvent(
        "D0902",
        41,
        EventKind.COMPANY_COMMENDATION,
        "连夜抢修卸船机故障，保障船舶按期离港，公司通报表扬",
        source=EventSource.COMPANY,
        reported_by="公司办公室",
    ),
    DemoEvent(
        "D0605",
        23,
        EventKind.WECHAT_PRAISE,
        "客户微信留言：司磅员耐心讲解过磅流程，服务周到",
        source=EventSource.WECHAT,
    ),
    # A would-be Best Smile employee loses the quarter to a valid complaint.
    DemoEvent(
        "D1007",
        52,
        EventKind.COMPANY_COMPLAINT,
        "客户投诉提货时推诿、态度生硬，经公司调查属实",
        source=EventSource.CUSTOMER,
        reported_by="粮油经销商王先生",
    ),
    DemoEvent(
        "D0702",
        35,
        EventKind.INTERNAL_COMPLAINT,
        "生产部反映设备报修响应慢；经核实系备件未到货，投诉不成立",
        validity=EventValidity.INVALID,
        source=EventSource.OTHER_DEPARTMENT,
        reported_by="生产部",
    ),
    # 10 + 5 points in one calendar month: disqualified (15 included).
    DemoEvent(
        "D0607",
        8,
        EventKind.MONTHLY_DEDUCTION,
        "未按规定办理货物交接手续，造成单据遗失",
        points=Decimal("10"),
    ),
    DemoEvent(
        "D0607",
        22,
        EventKind.MONTHLY_DEDUCTION,
        "作业现场物品乱堆乱放，经提醒未整改",
        points=Decimal("5"),
    ),
    # 10 + 5 points in two different months: not disqualified.
    DemoEvent(
        "D0502",
        12,
        EventKind.MONTHLY_DEDUCTION,
        "调度计划未及时上报，影响装船安排",
        points=Decimal("10"),
    ),
    DemoEvent(
        "D0502",
        45,
        EventKind.MONTHLY_DEDUCTION,
        "值班期间未按时巡查",
        points=Decimal("5"),
    ),
    DemoEvent(
        "D1003",
        27,
        EventKind.BADGE_NOT_WORN,
        "安质部巡查发现作业时未佩戴工作牌",
        source=EventSource.OTHER_DEPARTMENT,
        reported_by="安质部",
    ),
    DemoEvent(
        "D0805",
        60,
        EventKind.MONTHLY_DEDUCTION,
        "在作业区域吸烟，罚款50元",
        points=Decimal("3"),
        amount=Decimal("-50"),
        source=EventSource.OTHER_DEPARTMENT,
        reported_by="安质部",
    ),
)

# The office's queue: customers' and departments' reports awaiting a ruling.
CURRENT_QUARTER_EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent(
        "D0602",
        5,
        EventKind.WECHAT_PRAISE,
        "理货员帮我们把数量核对了好几遍，特别认真，点赞！",
        validity=EventValidity.PENDING,
        source=EventSource.WECHAT,
        recorded_by_customer=True,
    ),
    DemoEvent(
        "D0606",
        9,
        EventKind.WECHAT_COMPLAINT,
        "排队过磅等了一个多小时，问工作人员也爱答不理",
        validity=EventValidity.PENDING,
        source=EventSource.WECHAT,
        recorded_by_customer=True,
    ),
    DemoEvent(
        "D1002",
        12,
        EventKind.PRAISE_LETTER,
        "来信表扬装卸班组连续作业、颗粒归仓",
        validity=EventValidity.PENDING,
        source=EventSource.CUSTOMER,
        reported_by="北方粮油储运公司",
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    department: str
    name: str
    is_active: bool = True


@dataclass(frozen=True)
class DemoSummary:
    today: datetime.date
    past_quarter: QuarterId
    current_quarter: QuarterId
    logins: tuple[DemoLogin, ...]
    departments: int
    employees: int
    sheets: int
    sheets_added: int
    events: int
    events_added: int
    pending_events: int
    skipped_quarters: tuple[str, ...]
    past_quarter_status: QuarterStatus
    published_on: datetime.date | None
    notice_ends_on: datetime.date | None


@dataclass(frozen=True)
class _RosterEntry:
    number: str
    person: DemoPerson
    department: DemoDepartment


def demo_roster() -> tuple[_RosterEntry, ...]:
    """Every demo employee with their stable employee number, in display order."""
    return tuple(
        _RosterEntry(f"{department.number_prefix}{index:02d}", person, department)
        for department in ALL_DEPARTMENTS
        for index, person in enumerate(department.people, start=1)
    )


@transaction.atomic
def demo_company_load(*, today: datetime.date | None = None) -> DemoSummary:
    """Build (or bring up to date) the demo company; running it again changes nothing."""
    today = today or timezone.localdate()
    past_qid = QuarterId.of(today).previous()
    current_qid = QuarterId.of(today)
    role_groups_sync()
    groups = {role: Group.objects.get(name=role.value) for role in Role}
    past = quarter_ensure(qid=past_qid)
    current = quarter_ensure(qid=current_qid)

    departments = _departments_upsert()
    roster = demo_roster()
    password = _shared_password_hash(
        usernames=[OFFICE_USERNAME, HR_USERNAME, *_head_usernames(), *(e.number for e in roster)]
    )
    office, heads, logins = _staff_logins_upsert(
        departments=departments, groups=groups, password=password
    )
    employees = _employees_upsert(
        roster=roster, departments=departments, groups=groups, password=password, past=past_qid
    )
    logins += [
        DemoLogin(
            entry.number,
            Role.STAFF,
            entry.department.name,
            entry.person.name,
            not entry.person.left,
        )
        for entry in roster
    ]
    _work_badges_issue(roster=roster, employees=employees, past=past_qid, issued_by=office)

    open_quarters = [q for q in (past, current) if not q.is_locked]
    sheets_added = _sheets_add(
        roster=roster,
        employees=employees,
        quarters=open_quarters,
        spot_check_quarter=past,
        heads=heads,
        office=office,
        today=today,
    )
    events_added = 0
    if not past.is_locked:
        events_added += _events_add(
            specs=PAST_QUARTER_EVENTS,
            quarter=past,
            employees=employees,
            heads=heads,
            office=office,
            today=today,
        )
    if not current.is_locked:
        events_added += _events_add(
            specs=CURRENT_QUARTER_EVENTS,
            quarter=current,
            employees=employees,
            heads=heads,
            office=office,
            today=today,
        )

    skipped = tuple(q.code for q in (past, current) if q.is_locked)
    past = _past_quarter_publish(quarter=past, current=current_qid, office=office, today=today)

    demo_employees = Employee.objects.filter(number__in=[e.number for e in roster])
    demo_events = Event.objects.filter(employee__in=demo_employees)
    return DemoSummary(
        today=today,
        past_quarter=past_qid,
        current_quarter=current_qid,
        logins=tuple(logins),
        departments=len(departments),
        employees=demo_employees.count(),
        sheets=DailySheet.objects.filter(employee__in=demo_employees).count(),
        sheets_added=sheets_added,
        events=demo_events.count(),
        events_added=events_added,
        pending_events=demo_events.pending().count(),
        skipped_quarters=skipped,
        past_quarter_status=QuarterStatus(past.status),
        published_on=past.published_on,
        notice_ends_on=past.notice_ends_on,
    )


def _past_quarter_publish(
    *, quarter: Quarter, current: QuarterId, office: User, today: datetime.date
) -> Quarter:
    """Close the past quarter and publish its list, so the demo always has a notice to show.

    The office publishes ten days into the next quarter (or today, when that is
    sooner): early in a quarter the notice is running, later on it has ended
    and the quarter waits for the daily finalize job. A quarter someone has
    already closed is left as it is.
    """
    if quarter.status == QuarterStatus.OPEN:
        quarter_close(quarter=quarter, closed_by=office, today=today)
        published_on = min(today, current.first_day + datetime.timedelta(days=9))
        quarter = quarter_approve(quarter=quarter, approved_by=office, on=published_on, today=today)
    return quarter


def _upsert(
    model: type[ModelT],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    initial: dict[str, Any] | None = None,
) -> ModelT:
    """The row for `lookup`, created or brought to `values`; saved only when something differs.

    `initial` values are history (dates of joining and leaving): they are set
    on a new row, or on an existing row where they are empty, and otherwise kept.
    """
    initial = initial or {}
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **initial, **values)
    else:
        values = {
            **{name: value for name, value in initial.items() if getattr(obj, name) is None},
            **values,
        }
        changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
        if not changed:
            return obj
        for name, value in changed.items():
            setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj


def _departments_upsert() -> dict[str, Department]:
    return {
        demo.name: _upsert(
            Department,
            lookup={"name": demo.name},
            values={
                "kind": demo.kind,
                "display_order": order,
                "hosts_appraisal_office": demo.hosts_appraisal_office,
            },
        )
        for order, demo in enumerate(ALL_DEPARTMENTS, start=1)
    }


def _head_usernames() -> list[str]:
    return [f"head{n}" for n in range(1, len(DEPARTMENTS) + 1)]


def _shared_password_hash(*, usernames: Iterable[str]) -> str:
    """One hash of the demo password for every demo login.

    Hashing is deliberately slow (PBKDF2), so the password is hashed once, not
    once per login. The hash most logins already share is reused when it still
    matches, so that a second run leaves the logins exactly as they were; a
    login whose password was changed is set back to the demo password.
    """
    existing = Counter(
        User.objects.filter(username__in=usernames).values_list("password", flat=True)
    )
    if existing:
        encoded, _count = min(existing.items(), key=lambda item: (-item[1], item[0]))
        if check_password(DEMO_PASSWORD, encoded):
            return encoded
    return make_password(DEMO_PASSWORD)


def _login_upsert(
    *,
    username: str,
    name: str,
    group: Group,
    password: str,
    is_staff: bool = False,
    is_active: bool = True,
    department: Department | None = None,
) -> User:
    # The whole Chinese name goes into first_name: get_full_name() would put a
    # space and the family name last ("勇 林").
    user = _upsert(
        User,
        lookup={"username": username},
        values={
            "first_name": name,
            "last_name": "",
            "password": password,
            "is_staff": is_staff,
            "is_superuser": False,
            "is_active": is_active,
            "department": department,
        },
    )
    user.groups.set([group])
    return user


def _staff_logins_upsert(
    *, departments: dict[str, Department], groups: dict[Role, Group], password: str
) -> tuple[User, dict[str, User], list[DemoLogin]]:
    safety = departments[SAFETY_DEPARTMENT.name]
    office = _login_upsert(
        username=OFFICE_USERNAME,
        name=OFFICE_CLERK,
        group=groups[Role.OFFICE],
        password=password,
        is_staff=True,
    )
    _login_upsert(
        username=HR_USERNAME,
        name=HR_CLERK,
        group=groups[Role.HR],
        password=password,
        is_staff=True,
    )
    logins = [
        DemoLogin(OFFICE_USERNAME, Role.OFFICE, safety.name, OFFICE_CLERK),
        DemoLogin(HR_USERNAME, Role.HR, HR_DEPARTMENT, HR_CLERK),
    ]
    heads: dict[str, User] = {}
    for username, demo in zip(_head_usernames(), DEPARTMENTS, strict=True):
        head_name = demo.people[0].name
        heads[demo.name] = _login_upsert(
            username=username,
            name=head_name,
            group=groups[Role.DEPARTMENT_HEAD],
            password=password,
            department=departments[demo.name],
        )
        logins.append(DemoLogin(username, Role.DEPARTMENT_HEAD, demo.name, head_name))
    return office, heads, logins


def _joined_on(*, index: int, entry: _RosterEntry, past: QuarterId) -> datetime.date:
    if entry.person.joins_mid_quarter:
        return past.first_day + datetime.timedelta(days=20)
    # Years of service spread from one to twelve, fixed per employee.
    return datetime.date(past.first_day.year - 1 - index % 12, 1 + (index * 5) % 12, 1 + index % 28)


def _employees_upsert(
    *,
    roster: tuple[_RosterEntry, ...],
    departments: dict[str, Department],
    groups: dict[Role, Group],
    password: str,
    past: QuarterId,
) -> dict[str, Employee]:
    employees: dict[str, Employee] = {}
    for index, entry in enumerate(roster):
        person = entry.person
        user = _login_upsert(
            username=entry.number,
            name=person.name,
            group=groups[Role.STAFF],
            password=password,
            is_active=not person.left,
        )
        employees[entry.number] = _upsert(
            Employee,
            lookup={"number": entry.number},
            values={
                "name": person.name,
                "department": departments[entry.department.name],
                "position": person.position,
                "employment_form": person.form,
                "is_supervisor": person.is_supervisor,
                "is_active": not person.left,
                "user": user,
            },
            # Dates are relative to the day of the first build; a run in a
            # later quarter does not move them.
            initial={
                "joined_on": _joined_on(index=index, entry=entry, past=past),
                # The one who left did so before the past quarter, so has no sheets in it.
                "left_on": past.first_day - datetime.timedelta(days=15) if person.left else None,
            },
        )
    return employees


def _work_badges_issue(
    *,
    roster: tuple[_RosterEntry, ...],
    employees: dict[str, Employee],
    past: QuarterId,
    issued_by: User,
) -> None:
    for entry in roster:
        employee = employees[entry.number]
        if not employee.is_active:
            continue
        # Badges came with the measures: nobody's is older than the past quarter.
        issued_on = max(employee.joined_on or past.first_day, past.first_day)
        work_badge_issue(employee=employee, issued_on=issued_on, issued_by=issued_by)


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@dataclass(frozen=True)
class _GeneratedSheet:
    scores: dict[Category, Decimal]
    note: str
    criteria: tuple[tuple[Category, int], ...]

    @property
    def total(self) -> Decimal:
        return sum(self.scores.values(), Decimal("0"))


def _sheet_generate(
    *, rng: random.Random, profile: Profile, kind: DepartmentKind
) -> _GeneratedSheet:
    """One day's scores: full marks, or a deduction split into 0.5–5 point items."""
    scores = dict(CATEGORY_MAX)
    if rng.random() >= profile.deduction_share:
        return _GeneratedSheet(scores, "", ())
    remaining = Decimal(rng.randint(int(profile.low * 2), int(profile.high * 2))) / 2
    items: list[tuple[Category, Decimal]] = []
    while remaining > 0:
        size = min(Decimal(rng.randint(1, 10)) / 2, remaining)
        room = [c for c in Category if scores[c] >= size]
        category = rng.choices(room, weights=[CATEGORY_WEIGHTS[c] for c in room])[0]
        scores[category] -= size
        remaining -= size
        items.append((category, size))
    # Heads explain some deductions and leave the rest bare, as in real life.
    if rng.random() < 0.5:
        return _GeneratedSheet(scores, "", ())
    explained = items[:3]
    notes = dict.fromkeys(rng.choice(DEDUCTION_NOTES[c]) for c, _size in explained)
    criteria = tuple(
        dict.fromkeys((c, rng.randint(1, CRITERIA_COUNTS[kind][c])) for c, _size in explained)
    )
    return _GeneratedSheet(scores, "；".join(notes), criteria)


def _quarter_plan(
    *, number: str, quarter: Quarter, profile: Profile, kind: DepartmentKind
) -> dict[datetime.date, _GeneratedSheet]:
    """An employee's sheets for every working day of the quarter, fixed by number and quarter.

    The plan covers the whole quarter even when only part of it has passed, so
    a run on a later day adds the days that follow the ones already there.
    """
    days = _working_days(quarter.first_day, quarter.last_day)
    plan: dict[datetime.date, _GeneratedSheet] = {}
    for attempt in range(PLAN_ATTEMPTS):
        rng = random.Random(f"{number}:{quarter.code}:{attempt}")
        plan = {day: _sheet_generate(rng=rng, profile=profile, kind=kind) for day in days}
        average = sum((sheet.total for sheet in plan.values()), Decimal("0")) / len(days)
        if profile.average_from <= average <= profile.average_to:
            break
    return plan


def _spot_checks(*, roster: tuple[_RosterEntry, ...], quarter: Quarter) -> dict[str, datetime.date]:
    """The office spot-checks every seventh appraised employee once in the quarter."""
    days = _working_days(quarter.first_day, quarter.last_day)
    appraised = [entry for entry in roster if _is_appraised(entry)]
    return {
        entry.number: days[(index * 11) % len(days)]
        for index, entry in enumerate(appraised)
        if index % 7 == 3
    }


def _is_appraised(entry: _RosterEntry) -> bool:
    return not entry.person.is_supervisor and not entry.person.left


def _sheets_add(
    *,
    roster: tuple[_RosterEntry, ...],
    employees: dict[str, Employee],
    quarters: list[Quarter],
    spot_check_quarter: Quarter | None,
    heads: dict[str, User],
    office: User,
    today: datetime.date,
) -> int:
    """Add the missing sheets of the open quarters up to yesterday; existing ones stay as they are."""
    yesterday = today - datetime.timedelta(days=1)
    criteria = {(c.department_kind, c.category, c.number): c.pk for c in Criterion.objects.all()}
    sheets: list[DailySheet] = []
    sheet_criteria: dict[tuple[int, datetime.date, bool], list[int]] = {}

    def add(
        employee: Employee, day: datetime.date, spot: bool, by: User, gen: _GeneratedSheet
    ) -> None:
        sheet = DailySheet(
            employee=employee,
            day=day,
            is_spot_check=spot,
            note=gen.note,
            entered_by=by,
            **{category.value: score for category, score in gen.scores.items()},
        )
        # No full_clean per row: thousands of rows would take seconds. The
        # scores are full marks less deductions that fit (so in range, with one
        # decimal), the caller skipped existing keys, and the database's check
        # constraints still guard the ranges.
        sheets.append(sheet)
        kind = employee.department.kind
        criterion_ids = [
            criteria[(kind, category.value, number)]
            for category, number in gen.criteria
            if (kind, category.value, number) in criteria
        ]
        if criterion_ids:
            sheet_criteria[(employee.pk, day, spot)] = criterion_ids

    for quarter in quarters:
        existing = set(
            DailySheet.objects.in_quarter(quarter)
            .filter(employee__in=list(employees.values()))
            .values_list("employee_id", "day", "is_spot_check")
        )
        spot_checks = (
            _spot_checks(roster=roster, quarter=quarter) if quarter == spot_check_quarter else {}
        )
        for entry in roster:
            if not _is_appraised(entry):
                continue
            employee = employees[entry.number]
            profile = PROFILES[entry.person.profile]
            kind = entry.department.kind
            missing = [
                day
                for day in _working_days(quarter.first_day, min(quarter.last_day, yesterday))
                if (employee.pk, day, False) not in existing
                and not (employee.joined_on and day < employee.joined_on)
            ]
            if missing:
                plan = _quarter_plan(
                    number=entry.number, quarter=quarter, profile=profile, kind=kind
                )
                for day in missing:
                    add(employee, day, False, heads[entry.department.name], plan[day])
            spot_day = spot_checks.get(entry.number)
            if (
                spot_day
                and spot_day <= yesterday
                and not (employee.joined_on and spot_day < employee.joined_on)
                and (employee.pk, spot_day, True) not in existing
            ):
                rng = random.Random(f"{entry.number}:{spot_day}:spot")
                add(
                    employee,
                    spot_day,
                    True,
                    office,
                    _sheet_generate(rng=rng, profile=profile, kind=kind),
                )
    DailySheet.objects.bulk_create(sheets, batch_size=SHEET_BATCH_SIZE, ignore_conflicts=True)
    _sheet_criteria_add(sheet_criteria=sheet_criteria)
    return len(sheets)


def _sheet_criteria_add(
    *, sheet_criteria: dict[tuple[int, datetime.date, bool], list[int]]
) -> None:
    if not sheet_criteria:
        return
    days = [day for _employee, day, _spot in sheet_criteria]
    ids = {
        (employee_id, day, spot): pk
        for pk, employee_id, day, spot in DailySheet.objects.filter(
            employee_id__in={employee for employee, _day, _spot in sheet_criteria},
            day__range=(min(days), max(days)),
        ).values_list("pk", "employee_id", "day", "is_spot_check")
    }
    through = DailySheet.criteria.through
    through.objects.bulk_create(
        [
            through(dailysheet_id=ids[key], criterion_id=criterion_id)
            for key, criterion_ids in sheet_criteria.items()
            for criterion_id in criterion_ids
        ],
        batch_size=SHEET_BATCH_SIZE,
        ignore_conflicts=True,
    )


def _events_add(
    *,
    specs: tuple[DemoEvent, ...],
    quarter: Quarter,
    employees: dict[str, Employee],
    heads: dict[str, User],
    office: User,
    today: datetime.date,
) -> int:
    """Record the quarter's demo events that are not there yet (same employee, kind and note)."""
    existing = set(
        Event.objects.in_quarter(quarter)
        .filter(employee__in=list(employees.values()))
        .values_list("employee_id", "kind", "note")
    )
    added = 0
    for spec in specs:
        employee = employees[spec.number]
        if (employee.pk, spec.kind.value, spec.note) in existing:
            continue
        # Events never lie in the future: early in a quarter they bunch up on today.
        date = min(quarter.first_day + datetime.timedelta(days=spec.offset), quarter.last_day)
        date = min(date, today)
        if spec.recorded_by_customer:
            recorded_by = None
        elif spec.validity == EventValidity.PENDING:
            recorded_by = heads.get(employee.department.name, office)
        else:
            # A ruled event carries the office as its ruler.
            recorded_by = office
        event_record(
            employee=employee,
            date=date,
            kind=spec.kind,
            recorded_by=recorded_by,
            points=spec.points,
            amount=spec.amount,
            source=spec.source,
            reported_by=spec.reported_by,
            note=spec.note,
            validity=spec.validity,
        )
        added += 1
    return added
