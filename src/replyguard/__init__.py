"""replyguard: lint a draft reply to a customer's social-media post, in its context.

>>> from replyguard import Linter, Conversation
>>> report = Linter().check(Conversation.simple("仕様です。", "なんで編集できないの？"))
"""

from .config import Config, load_config_file, resolve_config
from .errors import ConfigError, InputError, PackError, ReplyguardError, TemplateError
from .linter import Linter, apply_fixes, check_text
from .models import Brand, Conversation, Finding, Fix, Message, Report, Severity, Span, Suggestion

__version__ = "0.1.0"

__all__ = [
    "Brand",
    "Config",
    "ConfigError",
    "Conversation",
    "Finding",
    "Fix",
    "InputError",
    "Linter",
    "Message",
    "PackError",
    "ReplyguardError",
    "Report",
    "Severity",
    "Span",
    "Suggestion",
    "TemplateError",
    "apply_fixes",
    "check_text",
    "load_config_file",
    "resolve_config",
]
