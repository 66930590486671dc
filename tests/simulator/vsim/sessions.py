"""SOAP sessions keyed by the `vmware_soap_session` cookie."""

import datetime
import uuid
from http.cookies import SimpleCookie

COOKIE_NAME = "vmware_soap_session"


class Session:
    def __init__(self, key):
        self.key = key
        self.user = None
        self.login_time = None
        self.user_agent = ""
        self.owned = []  # session-scoped managed objects: views, filters, collectors (replaced as a whole on change)
        self.pages = {}  # RetrievePropertiesEx continuation token -> (remaining objects, page size)
        self.cancel_wait = False  # set by CancelWaitForUpdates

    @property
    def authenticated(self):
        return self.user is not None


def now():
    return datetime.datetime.now(tz=datetime.timezone.utc)


class Sessions:
    """All sessions, behind the sessions lock (vsim/locks.py: taken after any object lock, before the registry's)."""

    def __init__(self, inv):
        self.inv = inv
        self.lock = inv.locks.sessions
        self.by_key = {}

    @staticmethod
    def key_from_cookie(header):
        if not header:
            return None
        morsel = SimpleCookie(header).get(COOKIE_NAME)
        return morsel.value if morsel else None

    @staticmethod
    def set_cookie(session):
        return '{0}="{1}"; Path=/; HttpOnly; Secure;'.format(COOKIE_NAME, session.key)

    def get(self, key):
        return self.by_key.get(key)

    def create(self):
        session = Session(uuid.uuid4().hex)
        with self.lock:
            self.by_key[session.key] = session
        return session

    def login(self, session, user):
        with self.lock:
            session.user = user
            session.login_time = now()

    def end(self, session):
        """Logout or expiry: the session's views, filters and collectors go with it."""
        with self.lock:
            self.by_key.pop(session.key, None)
            session.user = None
            owned, session.owned = session.owned, []
            for obj in owned:
                self.inv.remove(obj)

    def expire_all(self):
        with self.lock:
            for session in list(self.by_key.values()):
                self.end(session)

    def own(self, session, obj):
        with self.lock:
            obj.owner = session
            session.owned = session.owned + [obj]  # replaced, never changed in place: readers iterate it unlocked
            return self.inv.add(obj)

    def disown(self, obj):
        with self.lock:
            if obj.owner is not None and obj in obj.owner.owned:
                obj.owner.owned = [other for other in obj.owner.owned if other is not obj]
            self.inv.remove(obj)
