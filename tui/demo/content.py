"""The demo newsroom's writing: a fictional port town, Calder Bay, and its paper.

Everything here is invented for Threadline. A few strings are deliberately awkward
(markup-looking brackets, an emoji, non-Latin script, ``&``, ``]]>``): the reader
must show them literally, so the demo exercises that on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEDGER_TITLE = "The Harbour Ledger"
LEDGER_TAGLINE = "News for Calder Bay and the Northern Quays"
WIRE_TITLE = "Calder Coast Wire"
WEATHER_TITLE = "Calder Bay Weather Desk"

# Awkward-on-purpose strings, exported so tests can look for them verbatim.
BRACKET_AUTHOR = "[bold]Tidewatcher[/bold]"
CLICK_MARKUP = "[@click=app.quit]"
EMOJI = "\U0001f30a"  # water wave
NON_LATIN_AUTHOR = "Σοφία Παπαδάκη"
CDATA_END = "]]>"


@dataclass(frozen=True)
class Story:
    """A story's ingredients; the renderer turns them into several paragraphs of HTML."""

    title: str
    author: str
    lede: str
    detail: str
    quote: str
    quote_by: str
    list_intro: str
    points: tuple[str, ...]
    closing: str
    category: str = "Harbour"
    updates: tuple[str, ...] = field(default=())  # live stories only, oldest first


STRIKE_LIVE = Story(
    title="LIVE: Dockworkers' strike talks at the Northern Quays",
    author="Ines Marlowe",
    lede=(
        "Talks between the Calder Bay Port Authority and the dockworkers' union resumed "
        "this morning at the harbour office, on the fourth day of a strike that has left "
        "eleven ships waiting outside the breakwater."
    ),
    detail=(
        "The union is asking for a new shift pattern after two years of night work "
        "without a break in the rota; the authority says the harbour cannot close at night "
        "without losing the ferry contract to Brennock."
    ),
    quote="Nobody here wants the cranes idle. We want the people who drive them to sleep.",
    quote_by="Ada Fenwick, union branch secretary",
    list_intro="What the strike has changed so far:",
    points=(
        "the morning ferry to Skellan Island runs as usual, crewed by its own staff",
        "grain and timber ships are anchored in the outer roads",
        "the fish market is open, with boats landing at the old slipway",
    ),
    closing="Read our explainer on how the night rota came about, and the council's statement.",
    category="Port strike",
    updates=(
        "Union delegates arrive at the harbour office; a small crowd on the quay applauds them in.",
        "The authority confirms a mediator from the regional labour board has joined the talks.",
        "Both sides break for lunch. A union spokesperson says the rota is \u201cthe only item "
        "left on the table\u201d.",
        "Talks resume. The ferry company says Saturday sailings will not be affected either way.",
        "Shipping agents report two of the waiting vessels have turned for Brennock.",
        "The mediator proposes a trial of a four-crew rota for six months, according to people in the room.",
        "Union members will be asked to vote on the proposal at the Seamen's Hall tonight.",
        "The harbour master says pilots are on standby to bring ships in if the vote passes.",
        "Queue forms outside the Seamen's Hall; stewards say the vote will be by show of hands.",
        "Count under way. Children from the quayside school have chalked \u201cgood luck\u201d on "
        "the hall steps.",
        "The vote passes, 212 to 41. Crane crews will return for the early shift.",
        "First pilot boat leaves the inner harbour to meet the timber ship Marta Holm.",
    ),
)

STORM_LIVE = Story(
    title="Storm watch: live",
    author="Tomasz Reyes",
    lede=(
        "Storm Orla is expected to pass north of Calder Bay tonight, bringing gusts of up to "
        "90 km/h to the headland and a high spring tide at 22:40."
    ),
    detail=(
        "The weather desk has issued an amber warning for the seafront and the causeway to "
        "Skellan Island, which will close an hour before high water."
    ),
    quote="Stay off the sea wall. The waves look smaller from the promenade than they are.",
    quote_by="Coastguard station officer Lena Brandt",
    list_intro="Before tonight:",
    points=(
        "tie down bins, boards and garden furniture",
        "move cars away from the lower promenade",
        "check on neighbours who live alone",
    ),
    closing="Tide times and the full warning are on the weather desk's page.",
    category="Weather",
    updates=(
        "Gusts of 60 km/h recorded at the headland station.",
        "The causeway to Skellan Island is now closed; the last bus has crossed.",
        "Spray is reaching the promenade railings near the bandstand.",
        "The lifeboat crew has been paged as a precaution and is standing by at the station.",
        "Power restored to the streets behind the fish market after a short cut.",
        "High water passes without flooding in the old town, the harbour master says.",
        "The wind is easing; the amber warning will lapse at midnight.",
    ),
)

# Updates for when a live story has used its own: the story goes on, quietly.
HOLDING_UPDATES = (
    "No change for now; our reporter is at the harbour office and will post when there is news.",
    "A reader sends a photo of the quay in the evening light \u2014 calm, and very empty.",
    "Still waiting on a statement. The coffee van on the quay has sold out of buns.",
    "A correction to an earlier update: the ship turning back was the Kestrel, not the Kittiwake.",
    "Quiet on the quay. The gulls, as ever, are not on strike.",
)

LEDGER_STORIES = (
    Story(
        title="Council votes 7\u20132 to repair the Lantern Street footbridge",
        author="Priya Castell",
        lede="Calder Bay council voted last night to spend \u00a31.2m repairing the Lantern "
        "Street footbridge rather than replace it.",
        detail="Engineers found the iron frame sound but the deck worn through in places; "
        "the bridge will close for eight weeks from March.",
        quote="It has carried four generations to school. It can carry a fifth.",
        quote_by="Councillor Rhys Okonjo",
        list_intro="During the works:",
        points=(
            "a free shuttle will run from the library",
            "the market moves to Quay Road",
            "cyclists are asked to use the harbour path",
        ),
        closing="The full report is published on the council's planning pages.",
        category="Council",
    ),
    Story(
        title="Skellan ferry adds a late sailing for the winter",
        author="Jonah Whitlow",
        lede="A 22:15 sailing from Calder Bay to Skellan Island will run from next month, "
        "after islanders collected 900 signatures.",
        detail="The ferry company says the trial will last until Easter and depends on "
        "at least thirty passengers a night.",
        quote="We go to the cinema on the mainland and then sleep on a cousin's sofa. Not any more.",
        quote_by="Skellan resident Mairi Dunlop",
        list_intro="The new timetable in brief:",
        points=(
            "22:15 from Calder Bay, Monday to Saturday",
            "06:05 from Skellan unchanged",
            "bicycles carried free after 20:00",
        ),
        closing="Timetables are available at the ferry office and the island shop.",
        category="Transport",
    ),
    Story(
        title="Lighthouse keepers' cottage reopens as a reading room",
        author="Priya Castell",
        lede="The cottage beside the old Calder Head light opened its doors on Saturday as a "
        "small reading room run by volunteers.",
        detail="Its shelves hold the keepers' logbooks from 1881 to 1979, transcribed by "
        "pupils from the high school over two summers.",
        quote="Every entry starts with the wind. You learn a lot about a place that way.",
        quote_by="Volunteer librarian Osei Grant",
        list_intro="Opening hours:",
        points=(
            "Thursday to Sunday, 10:00\u201316:00",
            "closed when the headland path is",
            "entry free; donations go to the path fund",
        ),
        closing="The logbooks can also be read online through the library.",
        category="Culture",
    ),
    Story(
        title="Fish market's new ice plant saves a tonne of waste a week",
        author="Jonah Whitlow",
        lede="Traders at the Calder Bay fish market say a new ice plant has cut the catch "
        "thrown away in warm weather by about a tonne a week.",
        detail="The plant, paid for by a co-operative of twelve boats, runs on power from "
        "the roof panels installed last spring.",
        quote="We used to race the sun. Now we sell in the afternoon too.",
        quote_by="Trader Bea Hollis",
        list_intro="What the co-operative plans next:",
        points=(
            "a shared cold store for the small boats",
            "a Saturday stall at the station",
            "school visits on Wednesday mornings",
        ),
        closing="Our earlier report explains how the co-operative was formed.",
        category="Harbour",
    ),
    Story(
        title="Harbour & Rail: what the \u201cnight rota\u201d actually is",
        author="Ines Marlowe",
        lede="The night rota at the Northern Quays dates from 2024, when the ferry contract "
        "required cranes to work around the clock.",
        detail="Crews work three nights in five; the union says that leaves no week with two "
        "full nights of sleep.",
        quote="Rotas are written in offices in daylight. That is part of the problem.",
        quote_by="Occupational health nurse Dora Achebe",
        list_intro="The three options on the table:",
        points=(
            "a four-crew rota",
            "closing the container berth from 02:00 to 05:00",
            "more staff on the existing pattern",
        ),
        closing="Follow the talks as they happen on our live page.",
        category="Port strike",
    ),
    Story(
        title="Quayside school choir wins the regional final",
        author="Tomasz Reyes",
        lede="Thirty-four pupils from Quayside Primary won the regional choir final in "
        "Brennock on Sunday, singing a sea shanty they wrote themselves.",
        detail="The song, about a crane driver who cannot sleep, was written in a week in class.",
        quote="They asked me what rhymes with \u2018breakwater\u2019. I am still thinking.",
        quote_by="Music teacher Anwen Price",
        list_intro="Next for the choir:",
        points=(
            "the national final in May",
            "a concert at the Seamen's Hall",
            "a recording for the local radio",
        ),
        closing="Listen to the winning song on the school's website.",
        category="Community",
    ),
    Story(
        title="Calder Bay regatta moves to September after tide review",
        author="Jonah Whitlow",
        lede="The regatta committee has moved next year's races to the second week of "
        "September, when the tides in the bay are gentler.",
        detail="A review after this year's event found the spring tide left the slipway "
        "unusable for the youth classes.",
        quote="The sea sets the calendar. We just print it.",
        quote_by="Regatta secretary Hal Brody",
        list_intro="What changes:",
        points=(
            "youth races move to the Saturday morning",
            "the swim is cancelled",
            "the fireworks stay on the Saturday night",
        ),
        closing="Entry forms open in June.",
        category="Community",
    ),
    Story(
        title="Old customs house to become a maritime museum",
        author="Priya Castell",
        lede="The empty customs house on Quay Road will become a maritime museum, after "
        "the council agreed a thirty-year lease with the Calder Heritage Trust.",
        detail="The trust plans to open the ground floor within two years and to show the "
        "town's collection of ship models, kept in storage since 1998.",
        quote="Half the town has a model ship in the loft. We would like to borrow them.",
        quote_by="Trust chair Nell Ibsen",
        list_intro="How to help:",
        points=("lend an object for the opening", "record a family story", "join the volunteer rota"),
        closing="The trust holds an open evening at the library next week.",
        category="Culture",
    ),
)

WIRE_STORIES = (
    Story(
        title="Regional ports watch Calder Bay talks closely",
        author="Calder Coast Wire staff",
        lede="Port operators along the coast say the outcome of the Calder Bay talks could "
        "shape night-work agreements at three other harbours.",
        detail="Brennock and Port Ailsa both renew their crane crews' agreements next year.",
        quote="Whatever rota they settle on, we will be asked about it within a month.",
        quote_by="A Brennock port manager",
        list_intro="Harbours with night rotas:",
        points=("Brennock", "Port Ailsa", "Skerrow"),
        closing="More from the coast wire through the day.",
        category="Business",
    ),
    Story(
        title="Coastal rail line reopens after landslip repairs",
        author="M. Adeyemi",
        lede="The coastal line between Calder Bay and Skerrow reopened this morning after "
        "six weeks of repairs to a cutting damaged by a landslip.",
        detail="Trains run at reduced speed through the cutting until monitoring ends in spring.",
        quote="The hillside has been pinned like a tent.",
        quote_by="Rail engineer Farah Lind",
        list_intro="For travellers:",
        points=(
            "journeys take five minutes longer",
            "replacement buses end today",
            "season tickets are extended by six weeks",
        ),
        closing="The operator's timetable has the details.",
        category="Transport",
    ),
    Story(
        title="Seal pups counted on the Skellan skerries",
        author="Calder Coast Wire staff",
        lede="Volunteers counted 143 grey seal pups on the skerries off Skellan Island this "
        "autumn, the highest number in ten years.",
        detail="The count is made from boats at a distance so as not to disturb the colony.",
        quote="We count from the water, quietly, and then we go away.",
        quote_by="Count organiser Ruth Amadi",
        list_intro="Visitors are asked to:",
        points=(
            "keep dogs on leads on the island beaches",
            "stay 50 metres from pups",
            "report a pup alone to the wildlife line",
        ),
        closing="The full count is published by the island trust.",
        category="Nature",
    ),
    Story(
        title="Fishing quotas for the northern grounds unchanged",
        author="M. Adeyemi",
        lede="Quotas for the northern fishing grounds will stay at this year's level, the "
        "fisheries board said, after surveys found stocks stable.",
        detail="Skippers had asked for a small rise for haddock.",
        quote="Stable is good news, even when it is not exciting news.",
        quote_by="Board scientist Ilse Marr",
        list_intro="The board's figures:",
        points=("haddock unchanged", "cod down slightly", "mackerel survey due in March"),
        closing="The board's full statement follows later.",
        category="Fishing",
    ),
    Story(
        title="Wind farm cable ship calls at Calder Bay",
        author="Calder Coast Wire staff",
        lede="A cable-laying ship bound for the offshore wind farm called at Calder Bay for "
        "supplies, the first of several visits planned this winter.",
        detail="The ship was able to berth at the southern jetty, which is not affected by the strike.",
        quote="Southern jetty, different crew, different story.",
        quote_by="Harbour office spokesperson",
        list_intro="The cable route:",
        points=("from the headland substation", "under the bay", "to turbines 14 km offshore"),
        closing="More on the wind farm from the coast wire.",
        category="Energy",
    ),
    Story(
        title="Library van returns to the hill villages",
        author="M. Adeyemi",
        lede="The mobile library is back on its hill-village round after a new van was bought "
        "with money raised at last summer's book fair.",
        detail="It stops at seven villages each fortnight and now carries a small printer.",
        quote="People print their bus passes, then borrow a thriller. It all helps.",
        quote_by="Driver-librarian Sam Oduya",
        list_intro="New on the van:",
        points=("large-print shelves", "a printer", "a hot-drinks flask, unofficially"),
        closing="The round timetable is posted at each stop.",
        category="Community",
    ),
)

WEATHER_BULLETINS = (
    (
        "High water tonight",
        "High water at Calder Bay at 22:40, 5.1 m. The causeway to Skellan "
        "Island closes from 21:40 to 23:40.",
    ),
    (
        "Amber wind warning for the headland",
        "Gusts of 70\u201390 km/h possible from 18:00. Stay off the sea wall and the headland path.",
    ),
    (
        "Fog on the estuary this morning",
        "Visibility below 200 m on the estuary until about "
        "10:00. The harbour has put its fog signal in service.",
    ),
    (
        "Frost on the hill roads",
        "Temperatures near \u22122 \u00b0C overnight on the hill roads; gritters are out from 19:00.",
    ),
    (
        "Calm and bright tomorrow",
        "A ridge of high pressure brings light winds and sunshine; "
        "a good day to dry the washing and check the gutters.",
    ),
    (
        "Swell easing after Storm Orla",
        "Swell at the harbour mouth is easing to 1.5 m; small boats may leave from noon.",
    ),
    ("Low water tonight", "Low water at 04:55, 0.6 m. The old slipway will be dry until 07:00."),
    (
        "Showers, some heavy",
        "Showers on a fresh westerly, heavy at times in the afternoon, "
        "with a rainbow or two likely over the bay.",
    ),
)

COMMENTERS = (
    "Harriet Moss",
    "quay_regular",
    "Daniel Abara",
    BRACKET_AUTHOR,
    "Old Pilot",
    NON_LATIN_AUTHOR,
    "Kit Farrow",
    "Ana Lund",
    "佐藤 美咲",
    "Gull Observer",
    "Rowan Teague",
    "M. O'Sullivan",
)

# Short comments that fit any story. Plain text; the renderer wraps paragraphs.
COMMENT_LINES = (
    "Thanks for keeping this updated through the evening \u2014 easier than refreshing the radio.",
    "My father drove cranes on the east quay for thirty years. Sleep was always the problem.",
    "Does anyone know if the fish market is open on Saturday as well?",
    "Good to see both sides still talking. That is more than last time.",
    "The photo from the quay is lovely " + EMOJI + " thank you to whoever took it.",
    "I think you mean the southern jetty, not the northern one? Small thing.",
    "Ευχαριστώ for the update. My cousin is on one of the ships waiting outside.",
    "Four crews sounds right to me. Nobody should work three nights in five forever.",
    "Someone keeps posting " + CLICK_MARKUP + " under every article on the forum. Here it just "
    "shows as text, which is how it should be.",
    "Is the late ferry running tonight? The timetable page does not say.",
    "ありがとうございます \u2014 very clear summary.",
    "The kids' chalk on the steps made my day.",
    "Fair point, though the ferry contract was signed before any of this was known.",
    "Could the paper publish the full proposal? The summary leaves out the pay question.",
    "A note for whoever writes the feeds: an old reader of mine broke on "
    + CDATA_END
    + " in a title once. Hope this one copes.",
    "Agreed. Slow and boring is fine as long as it is fair.",
    "I walked past the hall an hour ago; the queue went round the corner & down Net Street.",
    "Not sure that follows. The authority has said no to closing at night twice already.",
    "Sending good wishes to everyone waiting on the quay tonight.",
    "This is why I read the Ledger and not the rumours in the group chat.",
)

# Longer, multi-paragraph comments with a link: (paragraphs, link text, linked story).
LONG_COMMENTS = (
    (
        (
            "I sat in on the council meeting where the ferry contract was signed. Nobody in "
            "the room asked how the cranes would be staffed at night; it was all about the "
            "timetable and the fees.",
            "That is not anyone's fault exactly, but it does explain why the rota feels like "
            "something done to the crews rather than with them.",
        ),
        "the footbridge vote, for comparison",
        LEDGER_STORIES[0],
    ),
    (
        (
            "Worth remembering that the Brennock harbour tried a four-crew rota in 2019 and "
            "kept it. Their accident figures went down the next year.",
            "It is one harbour and one year, so I would not stake everything on it, but it "
            "is not an untested idea.",
            "Their annual report has the numbers if anyone wants to check my memory.",
        ),
        "what the other ports are saying",
        WIRE_STORIES[0],
    ),
    (
        (
            "Respectfully, I think the argument is being framed the wrong way round. The "
            "question is not whether the port can afford a fourth crew, it is whether it can "
            "afford to keep losing ships to Brennock every time this comes up.",
            "If the mediator's proposal is a trial with an end date, both sides get to be "
            "proven right or wrong with real figures instead of speeches.",
        ),
        "the explainer on the three options",
        LEDGER_STORIES[4],
    ),
)

# The opening thread under the strike story: (ref, parent ref or None, author, body key).
# Two top-level comments grow one branch seven levels deep, the shape of a real live blog.
# Body keys: ("line", i) picks COMMENT_LINES[i]; ("long", i) picks LONG_COMMENTS[i];
# ("author", text) is the reporter answering in her own words.
OPENING_THREAD = (
    ("a", None, "Harriet Moss", ("long", 0)),
    ("b", None, "quay_regular", ("line", 1)),
    ("c", "a", "Daniel Abara", ("line", 12)),
    ("d", "b", BRACKET_AUTHOR, ("line", 7)),
    ("e", "d", "Old Pilot", ("line", 17)),
    (
        "f",
        "e",
        STRIKE_LIVE.author,
        (
            "author",
            "We asked the authority this morning; they say "
            "a night closure is still \u201cnot on the table\u201d. "
            "We will report it if that changes.",
        ),
    ),
    ("g", "f", NON_LATIN_AUTHOR, ("line", 6)),
    ("h", "g", "Kit Farrow", ("long", 2)),
    ("i", "h", "Ana Lund", ("line", 8)),
    ("j", "b", "Gull Observer", ("line", 4)),
    ("k", "c", "佐藤 美咲", ("line", 10)),
)

# The article's own reporter, answering in the thread.
AUTHOR_REPLIES = (
    "Reporter here: thanks, we have corrected that in the story.",
    "Good question. We have asked the harbour office and will add their answer above.",
    "We are keeping this page open until the talks end tonight, whatever the outcome.",
)
