"""Every rule and every limit of Hub Workshop, as small named predicates raising one translatable RuleError.

One package, one module per section, all read as `rules.X` (`from components import rules`):
participation (and RuleError), setup, representation, joining (seats, cap, switch) and survey (imports).
Messages are plain English msgids with named placeholders, so the UI can translate them (components.i18n).
"""

from components.rules.participation import *  # noqa: F401,F403
from components.rules.setup import *  # noqa: F401,F403
from components.rules.representation import *  # noqa: F401,F403
from components.rules.joining import *  # noqa: F401,F403
from components.rules.survey import *  # noqa: F401,F403
