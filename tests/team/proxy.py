"""A TCP forwarder on 127.0.0.1 in front of the test server, to make partitions.

    proxy = Proxy(target_port); proxy.port     # connect here instead
    proxy.cut()     # every link drops now, and new ones are closed as soon as they open
    proxy.stall()   # links stay open but nothing passes either way (a black hole)
    proxy.heal()    # back to forwarding (what was held during a stall goes through)

Threads, not asyncio, so a test drives it from plain code; one pump per direction per link.
"""

import socket
import threading


class Proxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.state = "up"
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._links: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.state == "cut":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True, name="proxy-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._flowing.wait()
                if self.state == "cut":
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src, dst)

    def _drop(self, *sockets: socket.socket) -> None:
        with self._lock:
            for s in sockets:
                self._links.discard(s)
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        self.state = "cut"
        self._flowing.set()  # held pumps wake up and drop their links
        with self._lock:
            links = list(self._links)
        self._drop(*links)

    def stall(self) -> None:
        self.state = "stalled"
        self._flowing.clear()

    def heal(self) -> None:
        self.state = "up"
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()
