"""Write the shipped 学生资助政策知晓度与满意度调查问卷 (students' and parents' versions) as XLSForms.

Run from the project root after changing a question:

    python forms/surveys/build_questionnaires.py

The workbooks are committed beside this script; raise ``VERSION`` when the content changes, since a
published questionnaire version never changes (surveys/ imports them as questionnaires).

The questions follow the design notes (checklist-student-aid.md §5 and G3, funding-and-ids.md §2):
three core policy questions per version — who is aided and by which programmes, how to apply, what
is free or lent — each with its ``correct`` choice, then three satisfaction questions on the 5-point
scale (非常满意 … 不满意) and a free-text comment. No question asks for a name, a class or a
telephone number.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

VERSION = "2026.1"
HERE = Path(__file__).parent

SCALE = [
    ("very_satisfied", "非常满意", "Very satisfied"),
    ("satisfied", "满意", "Satisfied"),
    ("fairly_satisfied", "比较满意", "Fairly satisfied"),
    ("not_very_satisfied", "不太满意", "Not very satisfied"),
    ("dissatisfied", "不满意", "Dissatisfied"),
]
LEVELS = [
    ("preschool", "学前（幼儿园）", "Preschool"),
    ("primary", "小学", "Primary"),
    ("junior", "初中", "Junior secondary"),
    ("senior", "普通高中", "Senior secondary"),
    ("vocational", "中等职业学校", "Vocational"),
]
DONT_KNOW = ("dont_know", "不知道", "Don't know")

# (name, label zh, label en, [(choice, zh, en)...], correct choice)
Knowledge = tuple[str, str, str, list[tuple[str, str, str]], str]

STUDENT_KNOWLEDGE: list[Knowledge] = [
    ("k_who", "国家学生资助政策主要资助哪些学生？", "Whom does the state's student aid mainly help?", [
        ("needy", "家庭经济困难学生", "Students from families with financial difficulties"),
        ("top", "成绩最好的学生", "The students with the best marks"),
        ("cadres", "班干部", "Class monitors"),
        DONT_KNOW,
    ], "needy"),
    ("k_apply", "申请家庭经济困难学生认定，应当怎样做？", "How is a student recognised as in financial difficulty?", [
        ("apply", "本人或家长自愿申请，经班级评议、学校审核并公示",
         "Apply, then class review, school check and public notice"),
        ("teacher", "由老师直接指定，不用申请", "The teacher decides, without an application"),
        ("pay", "交一定费用后才能申请", "Only after paying a fee"),
        DONT_KNOW,
    ], "apply"),
    ("k_paid", "国家助学金、生活补助等资助资金一般怎样发放？", "How are grants and living allowances paid?", [
        ("card", "通过银行卡（社保卡）直接发到学生或家长账户", "Straight to the student's or parent's bank card"),
        ("cash", "由班主任发放现金", "In cash by the class teacher"),
        ("deduct", "抵扣学校其他收费", "Set against other school fees"),
        DONT_KNOW,
    ], "card"),
]
PARENT_KNOWLEDGE: list[Knowledge] = [
    ("k_programmes", "以下哪一项是国家对家庭经济困难学生的资助政策？",
     "Which of these is the state's aid for students in financial difficulty?", [
         ("grants", "国家助学金、寄宿生生活补助、营养膳食补助、免学费等",
          "Grants, boarding allowances, meal subsidies, free tuition and others"),
         ("scholarship_only", "只有奖学金，成绩好才能拿", "Only scholarships for the best marks"),
         ("none", "没有专门的资助政策", "There is no such aid"),
         DONT_KNOW,
     ], "grants"),
    ("k_free", "义务教育阶段（小学、初中）学生需要缴纳学费吗？",
     "Do pupils of compulsory education (primary and junior secondary) pay tuition?", [
         ("free", "不需要，免学费", "No, tuition is free"),
         ("pay", "需要", "Yes"),
         DONT_KNOW,
     ], "free"),
    ("k_loan", "家庭经济困难的学生考上大学，可以在户籍所在县（区）申请哪种贷款？",
     "Which loan can a student in need take in the home county on entering university?", [
         ("student_loan", "生源地信用助学贷款", "The home-county student credit loan"),
         ("consumer", "商业消费贷款", "A commercial consumer loan"),
         ("none", "不能申请贷款", "No loan is available"),
         DONT_KNOW,
     ], "student_loan"),
]
SATISFACTION = [
    ("s_overall", "您对学校落实学生资助政策的总体情况是否满意？",
     "How satisfied are you with how the school applies student aid?"),
    ("s_fair", "您对家庭经济困难学生认定和资助对象评选的公平、公开是否满意？",
     "How satisfied are you with the fairness and openness of choosing who is aided?"),
    ("s_publicity", "您对学校的资助政策宣传（告家长书、宣传栏、主题班会、资助热线等）是否满意？",
     "How satisfied are you with how the school explains the aid (letters, notice boards, class meetings, hotline)?"),
]
AUDIENCES = {
    "students": ("student_aid_survey_students", "学生资助政策知晓度与满意度调查问卷（学生卷）",
                 "Student aid awareness and satisfaction questionnaire (students)", "您所在的学段", "Your level",
                 STUDENT_KNOWLEDGE),
    "parents": ("student_aid_survey_parents", "学生资助政策知晓度与满意度调查问卷（家长卷）",
                "Student aid awareness and satisfaction questionnaire (parents)", "您的孩子所在的学段",
                "Your child's level", PARENT_KNOWLEDGE),
}
INTRO = ("本问卷匿名填写，不收集姓名、班级和电话，仅用于了解学生资助政策的宣传落实情况。请根据实际情况作答，约需2分钟。"
         "学生资助政策咨询可拨打当地学生资助热线。")
INTRO_EN = ("This questionnaire is anonymous: no name, class or telephone is asked. It takes about two minutes. "
            "Questions on student aid can go to the local student aid hotline.")
SURVEY_HEADER = ["type", "name", "label::Chinese (zh)", "label::English (en)", "required", "correct"]
CHOICE_HEADER = ["list_name", "name", "label::Chinese (zh)", "label::English (en)"]


def build(audience: str) -> openpyxl.Workbook:
    form_id, title, title_en, level_zh, level_en, knowledge = AUDIENCES[audience]
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(SURVEY_HEADER)
    survey.append(["note", "intro", INTRO, INTRO_EN, "", ""])
    survey.append(["select_one level", "level", level_zh, level_en, "yes", ""])
    survey.append(["begin_group", "knowledge", "政策知晓", "Knowing the policies", "", ""])
    for name, zh, en, _choices, correct in knowledge:
        survey.append([f"select_one {name}", name, zh, en, "yes", correct])
    survey.append(["end_group", "", "", "", "", ""])
    survey.append(["begin_group", "satisfaction", "满意度", "Satisfaction", "", ""])
    for name, zh, en in SATISFACTION:
        survey.append(["select_one scale", name, zh, en, "yes", ""])
    survey.append(["end_group", "", "", "", "", ""])
    survey.append(["text", "comment", "您对学生资助工作还有什么意见或建议？（选填）",
                   "Anything else you would like to tell us about student aid? (optional)", "no", ""])
    choices = book.create_sheet("choices")
    choices.append(CHOICE_HEADER)
    for name, zh, en in LEVELS:
        choices.append(["level", name, zh, en])
    for list_name, _zh, _en, options, _correct in knowledge:
        for name, zh, en in options:
            choices.append([list_name, name, zh, en])
    for name, zh, en in SCALE:
        choices.append(["scale", name, zh, en])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, VERSION, "Chinese (zh)"])
    return book


def main() -> None:
    for audience, (form_id, *_rest) in AUDIENCES.items():
        book = build(audience)
        book.save(HERE / f"{form_id}.xlsx")


if __name__ == "__main__":
    main()
