"""The parts of :mod:`inspect_app.campaigns.planner`: its plain data and rules (:mod:`.model`), the flow
that makes assignments feasible and balanced and explains when they cannot be (:mod:`.flow`,
:mod:`.reasons`), the travel cost model (:mod:`.travel`) and the days (:mod:`.days`)."""
