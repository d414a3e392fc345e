"""The lab's own words in English and Chinese (lesson texts come from the lessons)."""

from __future__ import annotations

import os

from rich.cells import cell_len

_WORDS: dict[str, tuple[str, str]] = {
    # key: (en, zh)
    "new": ("new", "未开始"),
    "started": ("started", "进行中"),
    "passed": ("passed", "已通过"),
    "continue": ("Continue: {title}  (press c)", "继续：{title}（按 c）"),
    "all_done": (
        "Every claim holds. Pick any lesson to revisit.",
        "所有论断都已验证。可以任选一课复习。",
    ),
    "filter": ("press / to filter lessons", "按 / 筛选课程"),
    "no_match": ("No lesson matches {text!r}.", "没有匹配 {text!r} 的课程。"),
    "broken": ("broken, cannot open", "已损坏，无法打开"),
    "lesson": ("Lesson", "课文"),
    "knobs": ("Knobs", "旋钮"),
    "hunt": ("Bug hunt", "找 Bug"),
    "claim": ("Claim", "论断"),
    "claim_holds": ("Claim holds", "论断成立"),
    "claim_fails": ("Claim does not hold", "论断不成立"),
    "claim_count": ("{held}/{total} hold", "{held}/{total} 项成立"),
    "claim_whole": ("m: the whole claim", "m：查看完整论断"),
    "claim_fold": ("m or Esc: one line per check", "m 或 Esc：每项只显示一行"),
    "pending": ("waiting for data", "等待数据"),
    "steps": ("steps", "步数"),
    "seed": ("seed", "随机种子"),
    "idle": ("ready: press r to run", "就绪：按 r 开始运行"),
    "starting": ("starting the training process…", "正在启动训练进程……"),
    "running": ("running", "运行中"),
    "paused": ("paused", "已暂停"),
    "stopping": ("stopping…", "正在停止……"),
    "ended": ("run {status}", "运行{status}"),
    "completed": ("completed", "完成"),
    "stopped": ("stopped", "已停止"),
    "failed": ("failed", "失败"),
    "eta": ("ETA", "剩余"),
    "elapsed": ("elapsed", "已用"),
    "hint_none": ("No more hints: you have seen them all.", "没有更多提示了。"),
    "hints": ("Hints", "提示"),
    "questions": ("Questions", "问题"),
    "answers_hidden": ("(press a to show the answers)", "（按 a 显示答案）"),
    "reading": ("Further reading", "延伸阅读"),
    "quit_q": ("A run is still training. Stop it and quit?", "仍有训练在运行。停止并退出吗？"),
    "yes": ("Yes (y)", "是 (y)"),
    "no": ("No (n)", "否 (n)"),
    "reset_one": ("Reset progress of {title}?", "重置“{title}”的进度？"),
    "reset_all": ("Reset ALL progress?", "重置全部进度？"),
    "reset_done": ("Progress reset.", "进度已重置。"),
    "knob_bad": ("{error}", "{error}"),
    "knobs_reset": ("Knobs back to the lesson's defaults.", "旋钮已恢复默认值。"),
    "previous_run": ("previous run", "上一次运行"),
    "set_by_arm": ("set by each arm", "由各对照组设定"),
    "hunt_edit": (
        "Press e to open {file} in your editor; the lab re-checks it on every save.",
        "按 e 在编辑器中打开 {file}；每次保存后实验室会自动重新检查。",
    ),
    "hunt_checking": ("Checking your fix…", "正在检查你的修改……"),
    "hunt_pass": ("✓ Fixed! Reference solution: {path}", "✓ 修好了！参考答案：{path}"),
    "hunt_fail": ("✗ Not yet:", "✗ 还没有修好："),
    "no_editor": (
        "Set $EDITOR to choose your editor (using {editor}).",
        "请设置 $EDITOR 选择编辑器（当前使用 {editor}）。",
    ),
    "diagnose": ("Diagnose", "诊断"),
    "diag_path": ("path to your training script", "你的训练脚本路径"),
    "diag_args": ("script arguments", "脚本参数"),
    "diag_running": ("Running {path}…", "正在运行 {path}……"),
    "diag_progress": (
        "Diagnosing {path} · {steps:,} steps · {seconds:.0f} s",
        "正在诊断 {path} · {steps:,} 步 · {seconds:.0f} 秒",
    ),
    "diag_train_loss": ("train loss {value:.4g}", "训练损失 {value:.4g}"),
    "diag_val_loss": ("val loss {value:.4g}", "验证损失 {value:.4g}"),
    "diag_keys": (
        "s: stop the script and report what was seen · Esc: leave (ends the script)",
        "按 s：停止脚本，报告已看到的部分 · Esc：离开（脚本随之结束）",
    ),
    "diag_stopping": (
        "Stopping {path}: the script reports what it ran so far…",
        "正在停止 {path}：脚本正在汇报已经运行的部分……",
    ),
    "diag_stopped": (
        "stopped with s; the steps before it are diagnosed",
        "已按 s 停止；诊断的是停止前的各步",
    ),
    "diag_quick_on": ("quick: first {steps} steps", "快速：只看前 {steps} 步"),
    "diag_quick_off": ("quick: off (whole run)", "快速：关（整次运行）"),
    "diag_none": (
        "No problems found ({steps} steps observed).",
        "没有发现问题（观察了 {steps} 步）。",
    ),
    "open_lesson": ("Enter: open lesson {lesson}", "回车：打开课程 {lesson}"),
    "cpu": ("CPU", "CPU"),
    "help_title": ("Keys", "按键"),
    "help_close": (
        "Esc, ? or q closes this help; ↑ ↓ PgUp PgDn scroll it.",
        "Esc、? 或 q 关闭帮助；↑ ↓ PgUp PgDn 滚动。",
    ),
    "help_tab": ("next panel / field", "切换面板 / 输入框"),
    "predict": ("Guess", "预测"),
    "predict_intro": (
        "Guess before you run (Enter keeps it, then press r): the run draws your guess on the chart and says how close it was.",
        "运行前先猜（回车保存，然后按 r）：运行会把你的猜测画在图上，并告诉你差了多少。",
    ),
    "predict_placeholder_log": (
        "your guess, e.g. 1e-3 (judged in orders of magnitude)",
        "你的猜测，例如 1e-3（按数量级评判）",
    ),
    "predict_placeholder_linear": ("your guess, e.g. 0.5", "你的猜测，例如 0.5"),
    "predict_verdict": (
        "{mark} measured {value}, you guessed {guess}: {how}.",
        "{mark} 实测 {value}，你猜 {guess}：{how}。",
    ),
    "predict_kept": ("Guess kept: press r to run.", "猜测已保存：按 r 运行。"),
    "sweep_title": ("Sweep: {title}", "扫描：{title}"),
    "sweep_point": ("point {done}/{total}: {what}", "第 {done}/{total} 点：{what}"),
    "sweep_done": ("sweep done: {done} runs recorded", "扫描完成：已记录 {done} 次运行"),
    "sweep_stopped": ("sweep stopped after {done} runs", "扫描在 {done} 次运行后停止"),
    "sweep_none": ("This lesson has no sweep.", "本课没有扫描。"),
    "runs_title": ("Runs: {title}", "运行记录：{title}"),
    "runs_none": (
        "No recorded runs of this lesson yet: press Esc, then r to run it; change a knob and run again to compare.",
        "这一课还没有运行记录：按 Esc 返回，再按 r 运行；改一个旋钮再运行一次，就能在这里对比。",
    ),
    "runs_run": ("run (vs defaults)", "运行（与默认值的不同）"),
    "runs_when": ("when", "时间"),
    "runs_final": ("final {metric}", "最终 {metric}"),
    "runs_defaults": ("defaults", "默认设置"),
    "unfinished": ("unfinished", "未完成"),
    "baseline": ("baseline", "基线"),
    "runs_at_step": ("step {step}", "第 {step} 步"),
    "runs_at_end": ("at the end", "结束时"),
}


KEY_WORDS_ZH: dict[str, str] = {
    "Quit": "退出",
    "Help": "帮助",
    "Diagnose": "诊断",
    "Open": "打开",
    "Continue": "继续",
    "Filter": "筛选",
    "Reset lesson": "重置本课",
    "Reset all": "全部重置",
    "Clear": "清除",
    "Run": "运行",
    "Stop": "停止",
    "Pause": "暂停",
    "Reset": "重置",
    "Hint": "提示",
    "Answers": "答案",
    "Chart": "换图",
    "Whole claim": "完整论断",
    "Log y": "对数 y",
    "Knobs": "旋钮",
    "Text": "课文",
    "Edit": "编辑",
    "Hunt": "找 Bug",
    "Back": "返回",
    "Yes": "是",
    "No": "否",
    "Close": "关闭",
    "Guess": "预测",
    "Sweep": "扫描",
    "Runs": "运行记录",
    "Select": "选择",
    "Baseline": "基线",
    "Step ←": "上一步",
    "Step →": "下一步",
    "Arm": "对照组",
    "Stop and report": "停止并报告",
}
"""Footer words (the key bindings' descriptions) in Chinese."""


def key_word(description: str, lang: str) -> str:
    """A key binding's description (English, as declared) in `lang`, for the footer and help."""
    return KEY_WORDS_ZH.get(description, description) if lang == "zh" else description


def tr(key: str, lang: str, **values: object) -> str:
    """The UI string `key` in `lang` (English if missing), formatted with `values`."""
    en, zh = _WORDS.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def tr_same_width(key: str, lang: str) -> str:
    """`tr(key, lang)` padded with spaces to the widest of its words in either language.

    For a tab label: a tab as wide in English as in Chinese keeps the underline
    under it when the language changes (Textual moves the underline only when the
    tab bar resizes) and spares the screen a second layout pass.
    """
    text = tr(key, lang)
    wide = max(cell_len(tr(key, code)) for code in ("en", "zh"))
    missing = wide - cell_len(text)
    return " " * (missing // 2) + text + " " * (missing - missing // 2)


def detect_lang(explicit: str | None = None) -> str:
    """`--lang` if given, else Chinese when LC_ALL / LC_MESSAGES / LANG start with zh, else English."""
    if explicit in ("en", "zh"):
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
