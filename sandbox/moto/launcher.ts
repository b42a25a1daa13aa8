/**
 * moto_server, started through Python so one fix can be applied first. moto 5.2.1's parser backend
 * fails every StartExecution after a state machine's first (`copy.deepcopy(state_machine)` reaches
 * the running execution's thread lock: getmoto/moto#10077). The shim does what the upstream fix
 * (getmoto/moto#10093) does: the snapshot is taken without the executions list. Nothing else of
 * moto changes; `moto.server.main` then parses moto_server's own arguments.
 */
export const MOTO_LAUNCHER = `
import copy, sys, types
import moto.stepfunctions.parser.models as parser_models
_deepcopy = copy.deepcopy
def _snapshot(value, memo=None):
    executions = getattr(value, "executions", None)
    if isinstance(executions, list):
        memo = {**(memo or {}), id(executions): []}
    return _deepcopy(value, memo)
parser_models.copy = types.SimpleNamespace(deepcopy=_snapshot)
from moto.server import main
sys.argv[0] = "moto_server"
main()
`;

/** Exits 0 when moto_server and its Step Functions interpreter can be imported. */
export const MOTO_PROBE = 'import moto.server, moto.stepfunctions.parser.models';
