"""The bilingual labels of the consultation summaries, used by their context and by the
review summaries' (which show the same responses)."""
from __future__ import annotations

from .values import LabelTable

# Labels of these documents (English / Khmer draft), kept here rather than in the
# shared i18n_labels.yaml so the NAP pipeline's file stays its owner's.
_LABELS: dict[str, tuple[str, str]] = {
    "consultation_summary": ("Consultation summary", "សេចក្ដីសង្ខេបការពិគ្រោះយោបល់"),
    "combined_summary": ("Summary of consultations", "សេចក្ដីសង្ខេបនៃការពិគ្រោះយោបល់"),
    "combined_subtitle": ("Consultations on Cambodia's first NAP-WPS", "ការពិគ្រោះយោបល់លើផែនការសកម្មភាពជាតិលើកដំបូងរបស់កម្ពុជាស្ដីពីស្ត្រី សន្តិភាព និងសន្តិសុខ"),
    "overview": ("Overview", "ទិដ្ឋភាពទូទៅ"),
    "dates": ("Dates", "កាលបរិច្ឆេទ"),
    "place": ("Place", "ទីកន្លែង"),
    "kind": ("Type", "ប្រភេទ"),
    "organisers": ("Organisers", "អ្នករៀបចំ"),
    "topics": ("Topics", "ប្រធានបទ"),
    "participation": ("Participation", "ការចូលរួម"),
    "participants": ("Participants", "អ្នកចូលរួម"),
    "reported_figures": ("Participant totals as the sources report them", "ចំនួនអ្នកចូលរួមសរុបតាមឯកសារប្រភព"),
    "figure_source": ("Reported by", "រាយការណ៍ដោយ"),
    "retained": ("retained", "រក្សាទុក"),
    "retained_figure": ("Figure retained", "តួលេខដែលរក្សាទុក"),
    "group": ("Stakeholder group", "ក្រុមភាគីពាក់ព័ន្ធ"),
    "total": ("Total", "សរុប"),
    "women": ("Women", "ស្ត្រី"),
    "men": ("Men", "បុរស"),
    "remarks": ("Remarks", "កំណត់សម្គាល់"),
    "not_stated": ("not stated", "មិនបានបញ្ជាក់"),
    "sex_not_stated": ("sex not stated", "មិនបានបញ្ជាក់ភេទ"),
    "stated_total": ("Total as printed", "សរុបតាមការបោះពុម្ព"),
    "rows_add_up": ("Sum of the rows", "ផលបូកជួរ"),
    "chart_title": ("Participants by stakeholder group and sex", "អ្នកចូលរួមតាមក្រុមភាគីពាក់ព័ន្ធ និងភេទ"),
    "chart_title_all": ("Participants by consultation and sex (figures retained)", "អ្នកចូលរួមតាមការពិគ្រោះយោបល់ និងភេទ (តួលេខដែលរក្សាទុក)"),
    "no_breakdown": ("The sources give no breakdown by stakeholder group.", "ឯកសារប្រភពមិនផ្ដល់ការបែងចែកតាមក្រុមភាគីពាក់ព័ន្ធទេ។"),
    "key_messages": ("Key messages", "សារសំខាន់ៗ"),
    "heard_responded": ("What we heard, how we responded", "អ្វីដែលយើងបានឮ និងរបៀបដែលយើងបានឆ្លើយតប"),
    "what_we_heard": ("What we heard", "អ្វីដែលយើងបានឮ"),
    "linked_to": ("Linked to", "ភ្ជាប់ទៅ"),
    "response": ("Response", "ការឆ្លើយតប"),
    "rationale": ("Rationale", "មូលហេតុ"),
    "notes_on_sources": ("Notes on the sources", "កំណត់សម្គាល់អំពីឯកសារប្រភព"),
    "sources": ("Sources", "ឯកសារប្រភព"),
    "consultations": ("Consultations", "ការពិគ្រោះយោបល់"),
    "consultation": ("Consultation", "ការពិគ្រោះយោបល់"),
    "actions_discussed": ("Actions and sections discussed in each consultation", "សកម្មភាព និងផ្នែកដែលបានពិភាក្សាក្នុងការពិគ្រោះយោបល់នីមួយៗ"),
    "actions_discussed_note": ("Columns are the consultations, numbered as in the overview. Each cell lists the feedback items (F1, F2...) of that consultation linked to the action or section.", "ជួរឈរគឺការពិគ្រោះយោបល់ ដែលមានលេខដូចក្នុងទិដ្ឋភាពទូទៅ។ ក្រឡានីមួយៗរាយមតិយោបល់ (F1, F2...) នៃការពិគ្រោះយោបល់នោះ ដែលភ្ជាប់ទៅសកម្មភាព ឬផ្នែក។"),
    "number": ("No.", "ល.រ"),
    "action_or_section": ("Action / section", "សកម្មភាព / ផ្នែក"),
    "section": ("Section", "ផ្នែក"),
    "feedback_count": ("Feedback items", "មតិយោបល់"),
    "response_summary": ("Responses", "ការឆ្លើយតប"),
    "speaker": ("Said by", "និយាយដោយ"),
    "resp_accepted": ("Accepted", "ទទួលយក"),
    "resp_partly_accepted": ("Partly accepted", "ទទួលយកមួយផ្នែក"),
    "resp_not_accepted": ("Not accepted", "មិនទទួលយក"),
    "resp_noted": ("Noted", "បានកត់សម្គាល់"),
    "resp_pending": ("Pending (to be decided)", "កំពុងរង់ចាំ (ត្រូវសម្រេច)"),
    "kind_dialogue": ("Dialogue", "កិច្ចសន្ទនា"),
    "kind_workshop": ("Workshop", "សិក្ខាសាលា"),
    "kind_launch_workshop": ("Launch event and workshop", "ពិធីដាក់ឱ្យប្រើប្រាស់ និងសិក្ខាសាលា"),
    "kind_interviews_focus_groups": ("Interviews and focus group discussions", "ការសម្ភាស និងការពិភាក្សាក្រុមគោលដៅ"),
    "kind_meeting": ("Meeting", "កិច្ចប្រជុំ"),
    "kind_review": ("Review", "ការពិនិត្យឡើងវិញ"),
}


L = LabelTable(_LABELS)
labels = L.all
