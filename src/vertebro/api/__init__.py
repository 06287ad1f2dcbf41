"""The REST API (api-v1): a FastAPI app over the registry. Needs the ``web`` extra
(``pip install 'vertebro[web,registry]'``).

>>> # from vertebro.api import create_app
>>> # app = create_app("sqlite:///vertebro.db")
"""

from vertebro.api.app import create_app
from vertebro.http.settings import Settings

__all__ = ["Settings", "create_app"]
