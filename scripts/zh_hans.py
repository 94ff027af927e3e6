"""Chinese (zh-hans) translations of the interface, applied to the catalogue by
``python scripts/zh_hans.py`` after ``make messages``. The .po file is the source of truth;
this table only fills entries that are still empty, so translators' edits in the .po survive."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ZH = {
    "Qiwang": "期望",
    "Organisation and access": "组织与权限",
    "Administrator": "系统管理员",
    "Service-quality manager": "服务品质经理",
    "Account manager": "客户经理",
    "Front-line agent": "客服",
    "Analyst": "分析师",
    "Branch company": "分公司",
    "Project": "项目",
    "Residential community": "小区",
    "Token name": "令牌名称",
    "What the token is for, e.g. “BI export” or “WeChat mini-program”.": "令牌的用途，例如“BI 导出”或“微信小程序”。",
    "name": "名称",
    "code": "编码",
    "kind": "类型",
    "parent branch": "上级单位",
    "address": "地址",
    "active": "启用",
    "created": "创建时间",
    "branch": "所属单位",
    "branches": "所属单位",
    "role": "角色",
    "The user sees and changes data of these branches and their sub-branches.": "用户可查看和修改这些单位及其下级单位的数据。",
    "display name": "显示名称",
    "phone": "电话",
    "supervisor": "主管",
    "user": "用户",
    "users": "用户",
    "prefix": "前缀",
    "digest": "摘要",
    "last used": "最近使用",
    "expires": "过期时间",
    "revoked": "吊销时间",
    "API token": "API 令牌",
    "API tokens": "API 令牌",
    "time": "时间",
    "actor": "操作人",
    "action": "操作",
    "object type": "对象类型",
    "object id": "对象编号",
    "object": "对象",
    "changes": "变更内容",
    "audit event": "审计记录",
    "audit events": "审计日志",
    "Log in": "登录",
    "Log in to Qiwang": "登录期望系统",
    "Username": "用户名",
    "Password": "密码",
    "Demo accounts": "演示账号",
    "Role": "角色",
    "Branches": "所属单位",
    "Password for every demo account: <code>%(password)s</code>": "所有演示账号的密码：<code>%(password)s</code>",
    "API documentation": "API 文档",
    "Your new token": "新令牌",
    "Copy it now: it is shown only once and cannot be recovered.": "请立即复制：令牌只显示这一次，之后无法找回。",
    "Send it as": "使用方式",
    "Create a token": "创建令牌",
    "Create token": "创建令牌",
    "Your tokens": "我的令牌",
    "Name": "名称",
    "Starts with": "开头",
    "Created": "创建时间",
    "Last used": "最近使用",
    "Status": "状态",
    "Active": "有效",
    "Revoked": "已吊销",
    "Revoke": "吊销",
    "No API tokens yet": "还没有 API 令牌",
    "Create one to use the REST API from scripts, BI tools or a WeChat mini-program.": "创建令牌后，即可在脚本、BI 工具或微信小程序中调用 REST API。",
    "Token “%s” revoked.": "令牌“%s”已吊销。",
    "Qiwang administration": "期望系统管理",
    "Organisation, users and settings": "组织、用户与设置",
    "Web shell": "网页框架",
    "Home": "首页",
    "Customers": "客户",
    "Services": "服务",
    "Surveys": "调查",
    "Complaints": "投诉",
    "Insights": "洞察",
    "Not allowed": "无权访问",
    "You may not open this page": "您无权打开此页面",
    "Your role or your branches do not include it. Ask an administrator if you need access.": "您的角色或所属单位不包含此页面。如需访问，请联系系统管理员。",
    "Back to home": "返回首页",
    "Not found": "未找到",
    "Page not found": "页面不存在",
    "It may have moved, or it belongs to a branch you do not work in.": "它可能已被移动，或属于您不负责的单位。",
    "Skip to content": "跳到正文",
    "Menu": "菜单",
    "Main navigation": "主导航",
    "Administration": "系统管理",
    "Log out": "退出登录",
    "Qiwang — know, shape and meet your customers' expectations.": "期望——了解、引导并满足客户的期望。",
    "No complaints recorded": "暂无投诉记录",
    "Complaints and their six-step recovery will be handled here.": "投诉及其六步服务补救流程将在这里处理。",
    "Welcome, %(name)s": "欢迎，%(name)s",
    "Customers in your branches": "您所属单位的客户",
    "customers": "位客户",
    "Customers by tier": "各层级客户数",
    "Customers by branch": "各单位客户数",
    "No customers in your branches yet": "您所属单位还没有客户",
    "Customers appear here once they are added on the Customers page or imported.": "在“客户”页面添加或导入客户后，这里会显示统计。",
    "No survey results to analyse yet": "暂无可分析的调查结果",
    "Once surveys have responses, expectation tracking, satisfaction trends and alerts appear here.": "调查收到答卷后，期望追踪、满意度趋势和预警会显示在这里。",
    "Service catalogue": "服务目录",
    "No services in the catalogue yet": "服务目录还是空的",
    "Here the service-quality manager will list basic, expected and surprise services, their commitments and how widely each is publicised.": "服务品质经理将在这里列出基本服务、期望服务和惊喜服务，以及各自的承诺和宣传范围。",
    "No surveys yet": "还没有调查",
    "Kano, SERVQUAL, satisfaction and NPS surveys and their waves will appear here.": "Kano、SERVQUAL、满意度和 NPS 调查及其各轮次将显示在这里。",
    "Household": "住户",
    "Organisation": "单位",
    "VIP": "VIP",
    "Important": "重要",
    "High-quality": "质优",
    "General": "通用",
    "Tier": "层级",
    "Phone": "电话",
    "E-mail": "电子邮箱",
    "Address": "地址",
    "Notes": "备注",
    "customer number": "客户编号",
    "tier": "层级",
    "account manager": "客户经理",
    "e-mail": "电子邮箱",
    "notes": "备注",
    "updated": "更新时间",
    "customer": "客户",
    "Unknown fields: %s.": "未知字段：%s。",
    "This field is required.": "此项必填。",
    "%s is not a customer kind.": "“%s”不是有效的客户类型。",
    "%s is not a tier.": "“%s”不是有效的客户层级。",
    "Choose one of your branches.": "请选择您所属的单位。",
    "Choose an active account manager who works in the customer's branch.": "请选择在该客户所属单位工作的在职客户经理。",
    "Customer number %s is already taken.": "客户编号 %s 已被占用。",
    "Customer number": "客户编号",
    "Branch": "所属单位",
    "Pages": "分页",
    "Previous": "上一页",
    "Page %(number)s of %(total)s": "第 %(number)s 页，共 %(total)s 页",
    "Next": "下一页",
    "No customers match these filters": "没有符合筛选条件的客户",
    "Try another name, or clear the filters.": "换个名称试试，或清除筛选条件。",
    "Customers appear here once they are added or imported.": "添加或导入客户后会显示在这里。",
    "Edit": "编辑",
    "Kind": "类型",
    "Customer since": "成为客户",
    "All customers": "全部客户",
    "Save": "保存",
    "Cancel": "取消",
    "Search": "搜索",
    "Name or customer number": "名称或客户编号",
    "All tiers": "全部层级",
    "All kinds": "全部类型",
    "All my branches": "我的全部单位",
    "Filter": "筛选",
    "Customer saved.": "客户信息已保存。",
    "All branches": "全部单位",
    "Creating demo customers": "正在创建演示客户",
    "The request has invalid fields.": "请求中有无效字段。",
    "Authentication is required: send an API token.": "需要身份验证：请提供 API 令牌。",
    "Your role may not do this here.": "您的角色无权在此执行该操作。",
    "Not found.": "未找到。",
    "Simplified Chinese": "简体中文",
    "English": "英语",
    "Too many attempts": "尝试次数过多",
    "Demo organisation already loaded (use --reset to rebuild it).": "演示组织已加载（用 --reset 重建）。",
    "Password for every demo account: %s": "所有演示账号的密码：%s",
    "Qiwang is running at %(url)s — press Ctrl+C to stop.": "期望系统已在 %(url)s 运行——按 Ctrl+C 停止。",
    "Please wait a minute and try again.": "请稍等一分钟后再试。",
}

PLURALS = {
    "%(counter)s customer": ["共 %(counter)s 位客户"],
}


def main(po_path: Path) -> int:
    po = polib.pofile(str(po_path))
    missing = []
    for entry in po:
        # "#|" lines (the previous msgid of a fuzzy guess) only confuse msgmerge later: a lone
        # "#| msgid_plural" is a syntax error to it.
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if "fuzzy" in entry.flags:
            # gettext's guess from a similar string: never trust it, translate afresh.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()) and entry.msgid in PLURALS:
                entry.msgstr_plural = dict(enumerate(PLURALS[entry.msgid]))
            if not any(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            if entry.msgid in ZH:
                entry.msgstr = ZH[entry.msgid]
            else:
                missing.append(entry.msgid)
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(
        main(
            Path(sys.argv[1])
            if len(sys.argv) > 1
            else Path("src/qiwang/locale/zh_Hans/LC_MESSAGES/django.po")
        )
    )
