"""The company-default rule settings and the criteria items of rules.md section 2."""

from django.db import migrations

COMMON_COURTESY_1 = "礼节礼貌要好，对客户、对同事有礼貌积极热情，打招呼，面带微笑"
COMMON_MORALITY = [
    "思想进步、态度端正、工作表现积极、向上、朝气蓬勃、不消极、不堕落",
    "爱港、爱单位、以港为家、团结同事，有凝聚力，有吃苦、奋斗的精神状态",
    "爱护单位公用设施，避免浪费，树立节能、降耗、增效益的意识",
]

CRITERIA = {
    "functional": {
        "discipline": [
            "遵守岗位劳动纪律",
            "严禁吃、拿、卡、要现象发生",
            "工作服从领导安排，提高执行力及工作效率",
        ],
        "courtesy": [
            COMMON_COURTESY_1,
            "个人仪容仪表要好（随时保持良好的个人卫生、穿着等）",
        ],
        "service": [
            "工作期间，必须坚持使用文明用语，微笑对待每个人",
            "用微笑来调控情绪，禁止带着不良的情绪上岗",
            "部门内服务：营造温馨、团结、积极向上、和谐的工作氛围，相互帮助、团结协作",
            "部门间服务：通力合作，及时完成工作任务，不拖沓、不推脱，主动服务一线",
            "对外服务：为客户提供周到、便捷、高效的服务，解决问题快捷实效",
        ],
        "morality": COMMON_MORALITY,
    },
    "frontline": {
        "discipline": [
            "遵守岗位劳动纪律",
            "严禁吃、拿、卡、要，不对客户、船东、装卸工出难题，杜绝金钱关、人情关",
            "下级工作人员服从上级安排指示，提高执行力及工作效率",
            "执行标准工艺操作过程，避免操作中造成货损和成本浪费",
            "尊客爱货，按规定商务流程办理业务，认真理货，避免商务事故、货差事故，颗粒归仓",
        ],
        "courtesy": [
            COMMON_COURTESY_1,
            "个人仪容仪表要好，工作期间穿着工装，进入作业现场按要求佩戴劳动防护品",
        ],
        "service": [
            "工作期间坚持使用文明用语，用微笑对待每位客户、船东、同事、工友、协作公司及上级单位",
            "提前告知来公司作业人员安全质量规定；客户问题及时解决，投诉跟踪反馈直到满意",
            "部门内服务：坚持微笑上岗，责权明确，相互帮助、团结协作",
            "部门间服务：精诚合作，提高效率，严禁部门间相互扯皮、推诿",
            "对外服务：想客户之所求，急客户之所需，排客户之所忧",
            "遇到投诉不与客户争执，对或错都要先道歉，然后积极处理",
            "灵活对待客户，不同性格的客人使用不同的办法",
            "加强个人业务知识学习，减少生产作业疏漏和各类损耗",
        ],
        "morality": COMMON_MORALITY,
    },
}


def seed(apps, schema_editor):
    RuleSettings = apps.get_model("appraisal", "RuleSettings")
    Criterion = apps.get_model("appraisal", "Criterion")
    RuleSettings.objects.get_or_create(is_default=True, quarter=None)
    for kind, categories in CRITERIA.items():
        for category, texts in categories.items():
            for number, text in enumerate(texts, start=1):
                Criterion.objects.update_or_create(
                    department_kind=kind,
                    category=category,
                    number=number,
                    defaults={"text": text},
                )


def unseed(apps, schema_editor):
    apps.get_model("appraisal", "Criterion").objects.all().delete()
    apps.get_model("appraisal", "RuleSettings").objects.filter(is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
