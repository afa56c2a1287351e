"""Each school's aid archive (资助档案): every record and file the system holds for it in a term, as one .zip."""
