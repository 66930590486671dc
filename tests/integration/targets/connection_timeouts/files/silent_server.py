# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hung vCenter: listens on 127.0.0.1 (a free port), accepts every TCP connection and never sends a byte.

Prints "listening on 127.0.0.1:PORT" once ready, then holds the connections until killed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import sys


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    sys.stdout.write("listening on 127.0.0.1:%d\n" % listener.getsockname()[1])
    sys.stdout.flush()
    held = []
    while True:
        held.append(listener.accept()[0])


if __name__ == "__main__":
    main()
