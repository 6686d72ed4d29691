"""The gradings-in-flight gate: memory caps the count; beyond one per core, only an idle CPU admits more."""

from __future__ import annotations

from proctor.pipeline.admission import Admission, Budget, cpu_times


class Machine:
    """A fake /proc/stat: `busy` is the share of the next sample's jiffies that were busy."""

    def __init__(self) -> None:
        self.busy_total = 0.0
        self.total = 0.0
        self.busy = 0.0
        self.now = 0.0

    def sample(self) -> tuple[float, float]:
        self.total += 100
        self.busy_total += 100 * self.busy
        return self.busy_total, self.total

    def clock(self) -> float:
        return self.now


def gate(machine: Machine, *, cores: int = 2, in_flight_max: int = 6) -> Admission:
    return Admission(Budget(cores=cores, in_flight_max=in_flight_max), sample=machine.sample, clock=machine.clock)


def test_one_grading_per_core_is_always_admitted_even_on_a_busy_machine():
    machine = Machine()
    machine.busy = 1.0
    admission = gate(machine)
    machine.now = 1
    assert [admission.try_acquire() for _ in range(3)] == [True, True, False]


def test_idle_waits_let_more_gradings_in_up_to_the_memory_budget():
    machine = Machine()
    admission = gate(machine)
    machine.busy, machine.now = 0.2, 1  # the two running gradings sleep (a cache's expiry)
    assert [admission.try_acquire() for _ in range(7)] == [True] * 6 + [False]
    admission.release()
    assert admission.try_acquire()


def test_the_cpu_share_is_measured_over_a_window_not_per_call():
    machine = Machine()
    admission = gate(machine)
    assert admission.try_acquire() and admission.try_acquire()
    machine.busy, machine.now = 0.95, 1
    assert not admission.try_acquire()  # busy: no third one
    machine.busy, machine.now = 0.1, 1.2
    assert not admission.try_acquire()  # still inside the window that measured it busy
    machine.now = 1.6
    assert admission.try_acquire()


def test_the_budget_from_memory_never_goes_below_the_cores():
    assert Budget.of(memory_mib=6 * 1024, per_grading_mib=1024, cores=2).in_flight_max == 6
    assert Budget.of(memory_mib=24 * 1024, per_grading_mib=1024, cores=2).in_flight_max == 8  # 4 per core
    assert Budget.of(memory_mib=512, per_grading_mib=1024, cores=2).in_flight_max == 2


def test_the_real_machine_sample_counts_busy_within_total():
    busy, total = cpu_times()
    assert 0 <= busy <= total
