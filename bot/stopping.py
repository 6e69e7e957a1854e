"""Ctrl+C (SIGINT) and SIGTERM at any point of ``newsbot run``, start-up included.

python-telegram-bot's run loop stops on a ``SystemExit`` raised inside its event loop (its
own signal handler raises one) and then cleans up: stops the updater and the application,
runs ``post_stop``, shuts down the bot's HTTP clients and runs ``post_shutdown`` (which closes
the database). Raised from a bare callback while a start-up step is under way, though, that
exit leaves the step (a ``getMe``, a ``deleteWebhook``, the database opening) suspended
half-way, never finished: a database connection opened by it is never closed and its
worker thread keeps the process alive at exit. And PTB's ``stop_running`` between its
``post_init`` and its run loop (while ``deleteWebhook`` is in flight, say) only sets a flag
checked already, or stops a loop that is started anew right after: the stop was lost.

So ``newsbot run`` handles the signals itself, on the one event loop it runs on, from before
its first check until the end. Each start-up step runs under ``Stopping.step``: a stop asked
meanwhile cancels the step, which cleans up after itself like any cancelled coroutine, and
then ends it with ``StopSignal`` (a ``SystemExit``), which PTB takes as its own stop signal.
Asked between two steps, the next one ends at once, before it starts anything. Once the
start-up is over, the stop raises ``StopSignal`` from a callback of the loop, as PTB's own
handler does (raised earlier, it could leave the task PTB had just made for its next step
pending, never run). A second signal, or one during PTB's clean-up, only says "still stopping". ``NewsApplication``
routes ``stop_running`` (the jobs' way to stop the bot) through the same path, so it too
works at any point of a run.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

from telegram.ext import Application

__all__ = ["NewsApplication", "StopSignal", "Stopping"]

log = logging.getLogger(__name__)

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignal(SystemExit):
    """The run was asked to stop. A ``SystemExit``: PTB's run loop catches it and cleans up;
    raised before PTB's run loop, ``newsbot run`` catches it and exits 0."""

    def __init__(self) -> None:
        super().__init__(0)


class Stopping:
    """The stop signals of one ``newsbot run``, on the event loop it creates and runs on."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)  # PTB's run_polling/run_webhook take the current loop
        self.asked = False  # a stop was asked (a signal, or stop_running)
        self.cleaning = False  # PTB's clean-up has begun: nothing may cut it short
        self._raised = False  # StopSignal raised: the run is ending
        self._failed = False  # the last step raised: PTB cleans up and re-raises
        self._running = False  # the start-up is over: no step comes any more
        self._step: asyncio.Task[Any] | None = None
        self._doing = ""
        self._first: list[Callable[[], None]] = []

    def install(self) -> None:
        """Take SIGINT and SIGTERM from now on (until the loop is closed)."""
        for sig in SIGNALS:
            try:
                self.loop.add_signal_handler(sig, self._signalled, sig)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C stays a KeyboardInterrupt
                log.debug("cannot install a handler for %s", sig)

    def before_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` first when a stop signal comes (the publisher stops claiming rows)."""
        self._first.append(callback)

    def run(self, coro: Coroutine[Any, Any, T], *, doing: str) -> T:
        """Run one start-up step before PTB's run loop; raises ``StopSignal`` if stopped."""
        return self.loop.run_until_complete(self.step(coro, doing=doing))

    def close(self) -> None:
        if not self.loop.is_closed():  # PTB closes it at the end of its run
            self.loop.close()

    def _signalled(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self.asked or self.cleaning:
            log.info("%s received again: still stopping", name)
            return
        if not self._running:
            log.info("%s received while starting (%s): stopping; nothing queued is lost", name, self._doing)
        else:
            log.info("%s received: stopping; the messages being sent finish first", name)
        for callback in self._first:
            callback()
        self.stop()

    def stop(self) -> None:
        """Stop the run at whatever point it is; once stopping, do nothing."""
        if self.asked or self.cleaning:
            return
        self.asked = True
        if self._step is not None:
            self._step.cancel()  # it ends with StopSignal once it has cleaned up (``step``)
        elif self._running:
            self.loop.call_soon(self._raise_stop)  # from the loop, not inside the task that asked
        # else between two steps of the start-up: the next one ends with StopSignal at once

    def started(self) -> None:
        """The start-up is over: PTB enters its run loop (no step comes any more)."""
        self._running = True

    def cleaning_up(self) -> None:
        """PTB's clean-up begins (the updater, the application stopped, shut down)."""
        self.cleaning = True

    def _raise_stop(self) -> None:
        # Not when the run is ending already (a step raised StopSignal or failed meanwhile, and
        # PTB cleans up): a second exit would cut its clean-up short, the database left open.
        if not (self._raised or self._failed or self.cleaning):
            self._raise()

    def _raise(self) -> NoReturn:
        self._raised = True
        raise StopSignal

    async def step(self, coro: Coroutine[Any, Any, T], *, doing: str) -> T:
        """Await ``coro``, one step of the start-up (``doing`` says which, for the log). A stop
        asked before or during it ends it with ``StopSignal`` once it has cleaned up."""
        if self.asked:
            coro.close()
            self._raise()
        task = asyncio.current_task()
        assert task is not None
        self._step, self._doing, self._failed = task, doing, False
        try:
            result = await coro
        except asyncio.CancelledError:
            if not self.asked:
                self._failed = True
                raise
            task.uncancel()
            self._raise()
        except BaseException:
            self._failed = True  # PTB may try the step again (its bootstrap retries), or clean up
            raise
        finally:
            self._step = None
        if self.asked:  # the step ignored its cancellation
            self._raise()
        return result


async def step(stopping: Stopping | None, coro: Coroutine[Any, Any, T], *, doing: str) -> T:
    """``coro`` as a start-up step of a run that ``stopping`` watches (None: just awaited)."""
    if stopping is None:
        return await coro
    return await stopping.step(coro, doing=doing)


class NewsApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, whose start-up steps can be stopped while ``stopping`` is set (by
    ``newsbot run``), and whose ``stop_running`` then works at every point of the run."""

    stopping: Stopping | None = None

    def stop_running(self) -> None:
        if self.stopping is None:
            super().stop_running()
        else:
            self.stopping.stop()

    async def initialize(self) -> None:
        """PTB's initialize (``getMe``); stopped, it closes the HTTP clients it opened (PTB's
        ``shutdown`` skips an application whose initialize did not finish)."""
        if self.stopping is None:
            await super().initialize()
            return
        try:
            await self.stopping.step(super().initialize(), doing="asking getMe")
        except BaseException:
            await self.bot.shutdown()
            raise

    async def start(self) -> None:
        if self.stopping is None:
            await super().start()
        else:
            await self.stopping.step(super().start(), doing="starting the jobs")
            self.stopping.started()

    async def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.cleaning_up()
        await super().stop()

    async def shutdown(self) -> None:
        if self.stopping is not None:
            self.stopping.cleaning_up()
        await super().shutdown()
