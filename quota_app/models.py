"""Imports every model so that Alembic and create_all see the whole schema."""
from .amci.models import *  # noqa: F401,F403
from .applications.models import *  # noqa: F401,F403
from .audit.models import *  # noqa: F401,F403
from .auth.models import *  # noqa: F401,F403
from .campaigns.models import *  # noqa: F401,F403
from .committee.models import *  # noqa: F401,F403
from .documents.models import *  # noqa: F401,F403
from .imports.models import *  # noqa: F401,F403
from .jobs.models import *  # noqa: F401,F403
from .notifications.models import *  # noqa: F401,F403
from .placement.models import *  # noqa: F401,F403
from .reference.models import *  # noqa: F401,F403
from .retention.models import *  # noqa: F401,F403
