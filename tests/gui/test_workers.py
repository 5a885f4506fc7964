"""Jobs off the GUI thread: results, throttled progress, pause, cancel, and errors as messages."""

import threading
import time

from workbench.core.errors import DataError
from workbench.gui.workers import start_worker


def test_result_arrives_and_progress_is_throttled(qtbot):
    def job(control, n):
        for i in range(n):
            control.report(i)
            time.sleep(0.001)
        return "done"

    reports = []
    worker = start_worker(job, 400)
    worker.progress.connect(reports.append)
    with qtbot.waitSignal(worker.returned, timeout=10_000) as result:
        pass
    assert result.args == ["done"]
    qtbot.waitUntil(lambda: not worker.is_running)
    assert 0 < len(reports) < 60  # ~0.5 s of work reported at most every 50 ms, not 400 times


def test_cancel_stops_a_job_between_steps(qtbot):
    steps = []

    def job(control):
        for i in range(10_000):
            control.check()
            steps.append(i)
            time.sleep(0.002)
        return "finished anyway"

    worker = start_worker(job)
    returned = []
    worker.returned.connect(returned.append)
    qtbot.waitUntil(lambda: len(steps) > 5)
    with qtbot.waitSignal(worker.cancelled, timeout=5_000):
        worker.cancel()
    qtbot.waitUntil(lambda: not worker.is_running)
    assert len(steps) < 10_000 and returned == []


def test_pause_blocks_and_resume_continues(qtbot):
    steps = []
    gate = threading.Event()

    def job(control):
        for i in range(40):
            control.check()
            steps.append(i)
            if i == 5:
                gate.set()
            time.sleep(0.002)
        return len(steps)

    worker = start_worker(job)
    gate.wait(5)
    worker.pause()
    time.sleep(0.15)
    paused_at = len(steps)
    time.sleep(0.15)
    assert len(steps) <= paused_at + 1  # at most the step in flight
    with qtbot.waitSignal(worker.returned, timeout=5_000) as result:
        worker.resume()
    assert result.args == [40]


def test_user_errors_and_bugs_become_messages(qtbot):
    def bad_data(control):
        raise DataError("The file 'x.csv' is empty.")

    worker = start_worker(bad_data)
    with qtbot.waitSignal(worker.errored, timeout=5_000) as blocker:
        pass
    assert blocker.args == ["The file 'x.csv' is empty.", ""]

    def bug(control):
        return {}["missing"]

    worker = start_worker(bug)
    with qtbot.waitSignal(worker.errored, timeout=5_000) as blocker:
        pass
    message, details = blocker.args
    assert message == "Something went wrong: KeyError: 'missing'"
    assert "Traceback" in details
    qtbot.waitUntil(lambda: not worker.is_running)


def test_a_delayed_start_runs_after_the_event_loop_turns_and_wait_starts_it(qtbot):
    from workbench.gui.workers import Worker

    ran_in = []
    worker = Worker(lambda control: ran_in.append(threading.current_thread().name) or "ok")
    worker.start(after_ms=1)
    assert not worker.is_running and not ran_in  # nothing yet: the caller's changes get painted first
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        pass
    assert len(ran_in) == 1 and ran_in[0] != threading.main_thread().name

    pending = Worker(lambda control: ran_in.append("second"))
    pending.start(after_ms=10_000)
    assert pending.wait(10_000)  # waiting for a job whose start is delayed starts it instead of hanging
    assert ran_in[-1] == "second"
    qtbot.waitUntil(lambda: not pending.is_running)
